/**
 * The browser side of single sign-on, on the server's own pages (OpenID Connect Core §3.1, the
 * authorization code flow, with PKCE):
 *
 * - `GET /sso`: asks for the organization (its slug, or an email address of one of its domains) and
 *   names the organization found, with a link to start. A link, not a redirect from the form: the
 *   page's CSP lets forms reach only this server, and the person sees whose provider they go to.
 * - `GET /sso/start?org=`: discovery, then a sign-in record (state, stored as its hash; nonce; PKCE
 *   verifier; where to go after) that lives ten minutes and is used once; the state also goes into
 *   an HttpOnly cookie for the callback's path, which binds the sign-in to this browser (a callback URL
 *   sent to someone else signs nobody in: login CSRF). 303 to the provider.
 * - `GET /sso/callback`: guard clauses in order: state present → the browser's cookie holds it →
 *   the record is found, unexpired and unused, and is used now (a replay finds it used) → the provider
 *   did not answer an error → the org still has SSO → the code exchange and every check of the ID
 *   token by openid-client (oidc-client.ts) → the account (sso-accounts.ts) → the session, exactly as
 *   the password form opens it (users/sessions.ts).
 *
 * Every failure is a page that says what happened and what to do; a provider out of reach is 502,
 * never a 500.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { SSO_CALLBACK_PATH, SSO_PAGE, SSO_START_PATH } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import { constantTimeEqual, sha256Hex } from '../../security/tokens.ts';
import { escapeHtml, sendPage } from '../users/html.ts';
import { createSession, readCookie, setSessionCookie } from '../users/sessions.ts';
import { safeReturnTo } from '../users/sign-in.ts';
import { authorizationRequest, discover, finishAuthorization, ProviderUnavailable, SignInRefused } from './oidc-client.ts';
import { accountFor, SSO_REFUSALS } from './sso-accounts.ts';
import { redirectUriOf, ssoProviderOf } from './sso-settings.ts';

/** The cookie that binds a sign-in under way to the browser that started it. */
export const SSO_STATE_COOKIE = 'gl_sso_state';
export const SSO_LOGIN_TTL_MINUTES = 10;
/** Sign-ins started per hour from one address: each writes a record and calls the provider. */
export const SSO_START_LIMIT_PER_IP = 100;

const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);

function lookupForm(who = '', message?: string): string {
  return `${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="get" action="${SSO_PAGE}">
<label>Organization or work email <input type="text" name="who" required maxlength="320" autocomplete="username" value="${escapeHtml(who)}"></label>
<button type="submit">Continue</button>
</form>
<p><a href="/sign-in">Sign in with a password instead</a></p>`;
}

export function ssoRouter(deps: AppDeps): Router {
  const router = express.Router();
  const secure = deps.config.publicUrl.startsWith('https://');
  const fail = (res: Response, status: number, title: string, message: string) =>
    sendPage(res, status, title, `<p role="alert">${escapeHtml(message)}</p><p><a href="${SSO_PAGE}">Try again</a> · <a href="/sign-in">Sign in with a password</a></p>`);

  /** The org a person names: by slug, or by the domain of an email address. Only orgs with SSO. */
  async function orgNamed(who: string): Promise<{ slug: string; name: string } | null> {
    const w = who.trim().toLowerCase();
    const at = w.lastIndexOf('@');
    const { rows } =
      at >= 0
        ? await deps.db.query<{ slug: string; name: string }>('SELECT o.slug, o.name FROM sso_domains d JOIN orgs o ON o.id = d.org_id WHERE d.domain = $1', [w.slice(at + 1)])
        : await deps.db.query<{ slug: string; name: string }>('SELECT o.slug, o.name FROM orgs o JOIN sso_settings s ON s.org_id = o.id WHERE o.slug = $1', [w]);
    return rows[0] ?? null;
  }

  router.get(SSO_PAGE, async (req, res) => {
    const who = typeof req.query.who === 'string' ? req.query.who.slice(0, 320) : '';
    const returnTo = safeReturnTo(req.query.return_to);
    if (!who) return sendPage(res, 200, 'Sign in with SSO', lookupForm());
    const org = await orgNamed(who);
    if (!org) return sendPage(res, 404, 'Sign in with SSO', lookupForm(who, 'No organization signs in with SSO by that name or email domain.'));
    const start = `${SSO_START_PATH}?${new URLSearchParams({ org: org.slug, return_to: returnTo }).toString()}`;
    sendPage(
      res,
      200,
      'Sign in with SSO',
      `<p><strong>${escapeHtml(org.name)}</strong> signs in with its identity provider.</p><p><a class="button primary" href="${escapeHtml(start)}">Continue to ${escapeHtml(org.name)}'s sign-in</a></p>` +
        `<p><a href="${SSO_PAGE}">Not your organization?</a></p>`,
    );
  });

  router.get(SSO_START_PATH, async (req, res) => {
    const slug = Slug.safeParse(req.query.org);
    if (!slug.success) return fail(res, 400, 'Sign in with SSO', 'The link does not name an organization.');
    const limit = await deps.rateLimit.consume(`sso:start:${req.ip ?? 'unknown'}`, SSO_START_LIMIT_PER_IP);
    if (!limit.allowed) {
      res.set('Retry-After', String(limit.retryAfterSeconds));
      return fail(res, 429, 'Sign in with SSO', 'Too many sign-ins from your address. Try again later.');
    }
    const org = (await deps.db.query<{ id: string; name: string }>('SELECT id, name FROM orgs WHERE slug = $1', [slug.data])).rows[0];
    const provider = org ? await ssoProviderOf(deps.db, org.id) : null;
    if (!org || !provider) return fail(res, 404, 'Sign in with SSO', 'This organization does not sign in with SSO.');
    try {
      const configuration = await discover(provider, deps.config);
      const request = await authorizationRequest(configuration, provider, redirectUriOf(deps.config.publicUrl));
      await deps.db.query(
        `INSERT INTO sso_logins (state_hash, org_id, nonce, code_verifier, return_to, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6))`,
        [sha256Hex(request.state), org.id, request.nonce, request.codeVerifier, safeReturnTo(req.query.return_to), SSO_LOGIN_TTL_MINUTES],
      );
      // Records nobody came back for go with a later start.
      await deps.db.query(`DELETE FROM sso_logins WHERE expires_at < now() - interval '1 hour'`);
      res.cookie(SSO_STATE_COOKIE, request.state, { httpOnly: true, sameSite: 'lax', secure, path: SSO_CALLBACK_PATH, maxAge: SSO_LOGIN_TTL_MINUTES * 60_000 });
      res.set('Cache-Control', 'no-store');
      res.redirect(303, request.url.href);
    } catch (err) {
      if (err instanceof ProviderUnavailable) {
        req.log.warn({ org_id: org.id, err: err.message }, 'SSO provider unavailable');
        return fail(res, 502, 'Sign-in unavailable', `${org.name}'s identity provider could not be reached. Try again in a few minutes; if it keeps failing, tell an admin of ${org.name}.`);
      }
      throw err;
    }
  });

  router.get(SSO_CALLBACK_PATH, async (req: Request, res: Response) => {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const cookie = readCookie(req, SSO_STATE_COOKIE);
    res.clearCookie(SSO_STATE_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: SSO_CALLBACK_PATH });
    if (!state) return fail(res, 400, 'Sign-in failed', 'The identity provider sent you back without the sign-in it was for (no state). Start again.');
    if (!cookie || !constantTimeEqual(cookie, state)) {
      return fail(res, 400, 'Sign-in failed', 'This sign-in was not started in this browser, or it was already used. Start again.');
    }
    const login = (
      await deps.db.query<{ org_id: string; nonce: string; code_verifier: string; return_to: string }>(
        `UPDATE sso_logins SET used_at = now() WHERE state_hash = $1 AND used_at IS NULL AND expires_at > now()
          RETURNING org_id, nonce, code_verifier, return_to`,
        [sha256Hex(state)],
      )
    ).rows[0];
    if (!login) return fail(res, 400, 'Sign-in failed', 'This sign-in is unknown, expired or was already used. Start again.');
    if (typeof req.query.error === 'string') {
      return fail(res, 401, 'Sign-in refused', `The identity provider did not sign you in (${req.query.error.slice(0, 100)}).`);
    }
    const provider = await ssoProviderOf(deps.db, login.org_id);
    if (!provider) return fail(res, 400, 'Sign-in failed', 'This organization no longer signs in with SSO.');
    const currentUrl = new URL(redirectUriOf(deps.config.publicUrl));
    currentUrl.search = new URL(req.originalUrl, 'http://callback.invalid').search;
    try {
      const configuration = await discover(provider, deps.config);
      const claims = await finishAuthorization(
        configuration,
        currentUrl,
        { state, nonce: login.nonce, codeVerifier: login.code_verifier },
        ['email', 'email_verified', ...(provider.groupsClaim ? [provider.groupsClaim] : [])],
      );
      const account = await accountFor(deps.db, provider, claims);
      if ('refusal' in account) {
        req.log.warn({ org_id: login.org_id, refusal: account.refusal }, 'SSO sign-in refused');
        return fail(res, 403, 'Sign-in refused', SSO_REFUSALS[account.refusal]);
      }
      setSessionCookie(res, await createSession(deps.db, account.userId, login.org_id), secure);
      req.log.info({ org_id: login.org_id, user_id: account.userId, joined: account.joined }, 'signed in with SSO');
      res.redirect(303, safeReturnTo(login.return_to));
    } catch (err) {
      if (err instanceof ProviderUnavailable) {
        req.log.warn({ org_id: login.org_id, err: err.message }, 'SSO provider unavailable');
        return fail(res, 502, 'Sign-in unavailable', 'The identity provider could not be reached. Try again in a few minutes.');
      }
      if (err instanceof SignInRefused) {
        req.log.warn({ org_id: login.org_id, err: err.message }, 'SSO answer refused');
        return fail(res, 401, 'Sign-in refused', 'The identity provider\'s answer did not pass Greenlight\'s checks, so nobody was signed in. Start again.');
      }
      throw err;
    }
  });
  return router;
}
