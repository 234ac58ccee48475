import express, { type Router } from 'express';
import { SSO_START_PATH } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { PASSWORD_PAGE } from '../users/password-page.ts';
import { escapeHtml, hiddenInput, sendPage } from '../users/html.ts';
import { acceptInvitation } from '../members/members.ts';
import { requiresSso } from '../sso/sso-accounts.ts';
import { EMAILED_SIGN_IN_SUFFIX } from '../../channels/email/email-channel.ts';
import { createSession, CSRF_HEADER, csrfMatches, csrfTokenFor, findSession, readCookie, SESSION_COOKIE, setSessionCookie } from '../users/sessions.ts';

/**
 * The one-time sign-in link printed by `greenlight-admin init`, and the landing page.
 * The link is single-use and short-lived; it opens the same session as the sign-in form
 * (modules/users/sessions.ts).
 */
export function pagesRouter(deps: AppDeps): Router {
  const router = express.Router();
  const secure = deps.config.publicUrl.startsWith('https://');

  /**
   * An invitation (an account of another org asked to join this one): GET shows who invites and
   * changes nothing (mail scanners fetch links); the holder, signed in as the invited account, accepts
   * with a POST carrying their session's CSRF token. Anyone else: to sign in, or refused.
   */
  async function invitationFor(req: express.Request, res: express.Response): Promise<{ hash: string; session: { token: string; userId: string } } | 'handled' | null> {
    const hash = sha256Hex(String(req.params.token));
    const { rows } = await deps.db.query<{ user_id: string; org_name: string; invite_role: string }>(
      `SELECT t.user_id, o.name AS org_name, t.invite_role FROM sign_in_tokens t JOIN orgs o ON o.id = t.org_id
        WHERE t.token_hash = $1 AND t.invite_role IS NOT NULL AND t.used_at IS NULL AND t.expires_at > now()`,
      [hash],
    );
    const invitation = rows[0];
    if (!invitation) return null;
    const token = readCookie(req, SESSION_COOKIE);
    const who = token ? await findSession(deps.db, token) : null;
    if (!token || !who) {
      res.redirect(303, `/sign-in?return_to=${encodeURIComponent(req.path)}`);
      return 'handled';
    }
    if (who.user.id !== invitation.user_id) {
      sendPage(res, 403, 'This invitation is for another account', '<p>Sign in with the account it was sent to, then open the link again.</p>');
      return 'handled';
    }
    if (req.method === 'GET') {
      sendPage(
        res,
        200,
        `Join ${invitation.org_name}`,
        `<p><strong>${escapeHtml(invitation.org_name)}</strong> invites <strong>${escapeHtml(who.user.email)}</strong> to join as ${escapeHtml(invitation.invite_role)}.</p>` +
          `<form method="post" action="${escapeHtml(req.path)}">${hiddenInput('csrf', csrfTokenFor(token))}<button type="submit" class="primary">Accept</button></form>`,
      );
      return 'handled';
    }
    return { hash, session: { token, userId: who.user.id } };
  }

  router.post('/sign-in/:token', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const found = await invitationFor(req, res);
    if (found === 'handled') return;
    if (!found) {
      sendPage(res, 410, 'This link has expired', '<p>Invitations work once and for one hour. Ask an admin for a new one.</p>');
      return;
    }
    if (!csrfMatches(found.session.token, (req.body as { csrf?: unknown } | undefined)?.csrf)) {
      sendPage(res, 403, 'Not accepted', '<p>Your page expired. Open the link again.</p>');
      return;
    }
    const joined = await acceptInvitation(deps.db, found.hash, found.session.userId);
    if (!joined) {
      sendPage(res, 410, 'This link has expired', '<p>Invitations work once and for one hour. Ask an admin for a new one.</p>');
      return;
    }
    // An org that requires SSO is entered through its provider, not with the session held for another org.
    const sso = await requiresSso(deps.db, joined.orgId);
    // A link, not a redirect: the provider is not a place this form may lead to (the page's CSP form-action).
    if (sso) {
      const start = `${SSO_START_PATH}?${new URLSearchParams({ org: sso.slug }).toString()}`;
      sendPage(res, 200, `You joined ${sso.name}`, `<p>${escapeHtml(sso.name)} requires single sign-on.</p><p><a class="button primary" href="${escapeHtml(start)}">Sign in with SSO</a></p>`);
      return;
    }
    // Signed in to the org just joined.
    setSessionCookie(res, await createSession(deps.db, found.session.userId, joined.orgId), secure);
    res.redirect(303, '/');
  });

  /** Uses a (non-invitation) sign-in link: marks it used, opens a session, and moves on. */
  async function signInWith(req: express.Request, res: express.Response): Promise<void> {
    const link = await deps.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ user_id: string; org_id: string; needs_password: boolean; resets_password: boolean }>(
        `UPDATE sign_in_tokens SET used_at = now()
          WHERE token_hash = $1 AND invite_role IS NULL AND used_at IS NULL AND expires_at > now()
          RETURNING user_id, org_id, resets_password, (SELECT u.password_hash IS NULL FROM users u WHERE u.id = user_id) AS needs_password`,
        [sha256Hex(String(req.params.token))],
      );
      const used = rows[0];
      // A recovery link: the forgotten password goes, and with it every session it had opened.
      if (used?.resets_password) {
        await tx.query('UPDATE users SET password_hash = NULL WHERE id = $1', [used.user_id]);
        await tx.query('DELETE FROM sessions WHERE user_id = $1', [used.user_id]);
        used.needs_password = true;
      }
      return used;
    });
    if (!link) {
      sendPage(res, 410, 'This link has expired', '<p>Sign-in links work once and for one hour. Ask an admin for a new one.</p>');
      return;
    }
    setSessionCookie(res, await createSession(deps.db, link.user_id, link.org_id), secure);
    // A new account (first run, or an admin's invitation) chooses its password next.
    res.redirect(303, link.needs_password ? PASSWORD_PAGE : '/');
  }

  router.get('/sign-in/:token', async (req, res) => {
    if ((await invitationFor(req, res)) === 'handled') return;
    await signInWith(req, res);
  });

  /**
   * The same link as emailed (channels/email/email-channel.ts): mail scanners and link previews fetch links,
   * and a GET that used it up would spend it (and, for a recovery link, clear the password). So GET
   * only shows a button, and its POST uses the link. The token in the path is what a forged
   * cross-site POST would lack.
   */
  router.get(`/sign-in/:token${EMAILED_SIGN_IN_SUFFIX}`, (req, res) => {
    res.set('X-Robots-Tag', 'noindex, nofollow');
    sendPage(
      res,
      200,
      'Sign in to Greenlight',
      `<p>Continue to sign in with this one-time link.</p><form method="post" action="${escapeHtml(req.path)}"><button type="submit" class="primary">Continue</button></form>`,
    );
  });
  router.post(`/sign-in/:token${EMAILED_SIGN_IN_SUFFIX}`, async (req, res) => {
    await signInWith(req, res);
  });

  /**
   * Signing out ends the session row, not only the cookie, so a copied cookie stops working too. A
   * POST carrying the session's CSRF token (header, or a form's `csrf` field): a cross-site form
   * cannot sign anyone out. Without a session there is nothing to end.
   */
  router.post('/sign-out', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) {
      const presented = req.get(CSRF_HEADER) ?? (req.body as { csrf?: unknown } | undefined)?.csrf;
      if (!csrfMatches(token, presented)) {
        sendPage(res, 403, 'Not signed out', '<p>Your page expired. Reload it and sign out again.</p>');
        return;
      }
      await deps.db.query('DELETE FROM sessions WHERE token_hash = $1', [sha256Hex(token)]);
    }
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure, path: '/' });
    res.redirect(303, '/sign-in');
  });

  router.get('/', async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    const who = token ? await findSession(deps.db, token) : null;
    const body = who
      ? `<p>Signed in as <strong>${escapeHtml(who.user.email)}</strong> (${escapeHtml(who.role)}) in <strong>${escapeHtml(who.org.name)}</strong>.</p>` +
        `<p><a href="${PASSWORD_PAGE}">Set or change your password</a></p>`
      : '<p>Greenlight is running.</p>';
    sendPage(res, 200, 'Greenlight', `${body}<p><a href="/docs">API reference</a></p>`);
  });
  return router;
}
