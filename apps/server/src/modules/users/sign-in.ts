import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import { constantTimeEqual, randomToken } from '../../security/tokens.ts';
import { checkCredentials } from './passwords.ts';
import { escapeHtml, hiddenInput, sendPage } from './html.ts';
import { SSO_PAGE, SSO_START_PATH } from '@greenlight/contract';
import { createSession, PRE_SESSION_CSRF_COOKIE, readCookie, setSessionCookie } from './sessions.ts';
import { requiresSso } from '../sso/sso-accounts.ts';

/** Attempts per hour (the rate-limit store's window). Per email: stops guessing one account; per IP: stops spraying. */
export const SIGN_IN_LIMITS = { perEmail: 10, perIp: 100 } as const;

/** Only a path on this server: an absolute or protocol-relative URL here would be an open redirect. */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value.length <= 4096 ? value : '/';
}

const SignInForm = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
  csrf: z.string().min(1).max(200),
  return_to: z.string().max(4096).optional(),
});

function renderForm(res: Response, status: number, csrf: string, returnTo: string, email = '', error?: string, ssoLink?: string) {
  sendPage(
    res,
    status,
    'Sign in',
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}${ssoLink ? `<p><a class="button primary" href="${escapeHtml(ssoLink)}">Sign in with SSO</a></p>` : ''}
<form method="post" action="/sign-in">
${hiddenInput('csrf', csrf)}${hiddenInput('return_to', returnTo)}
<label>Email <input type="email" name="email" autocomplete="username" required value="${escapeHtml(email)}"></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
<p><a href="${SSO_PAGE}?return_to=${encodeURIComponent(returnTo)}">Sign in with SSO</a></p>`,
  );
}

/** The pre-session CSRF cookie: reused while present, so two open tabs keep working. */
function preSessionCsrf(req: Request, res: Response, secure: boolean): string {
  const existing = readCookie(req, PRE_SESSION_CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomToken();
  res.cookie(PRE_SESSION_CSRF_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/sign-in' });
  return token;
}

/**
 * Email + password sign-in. Success answers 303 (RFC 9700 §4.11: a 307 would replay the
 * credentials to the next URL); failure re-renders the form with one message for every cause.
 */
export function signInRouter(deps: AppDeps): Router {
  const router = express.Router();
  const secure = deps.config.publicUrl.startsWith('https://');

  router.get('/sign-in', (req, res) => {
    renderForm(res, 200, preSessionCsrf(req, res, secure), safeReturnTo(req.query.return_to));
  });

  router.post('/sign-in', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const parsed = SignInForm.safeParse(req.body ?? {});
    const cookieCsrf = readCookie(req, PRE_SESSION_CSRF_COOKIE);
    const returnTo = safeReturnTo(parsed.success ? parsed.data.return_to : undefined);
    if (!parsed.success || !cookieCsrf || !constantTimeEqual(cookieCsrf, parsed.data.csrf)) {
      renderForm(res, 403, preSessionCsrf(req, res, secure), returnTo, '', 'Your sign-in form expired. Please try again.');
      return;
    }
    const { email, password } = parsed.data;
    const limits = await Promise.all([
      deps.rateLimit.consume(`signin:email:${email.toLowerCase()}`, SIGN_IN_LIMITS.perEmail),
      deps.rateLimit.consume(`signin:ip:${req.ip ?? 'unknown'}`, SIGN_IN_LIMITS.perIp),
    ]);
    const blocked = limits.find((l) => !l.allowed);
    if (blocked) {
      res.set('Retry-After', String(blocked.retryAfterSeconds));
      renderForm(res, 429, cookieCsrf, returnTo, email, 'Too many sign-in attempts. Try again later.');
      return;
    }
    const user = await checkCredentials(deps.db, email, password);
    if (!user || !user.org_id) {
      renderForm(res, 401, cookieCsrf, returnTo, email, 'Wrong email or password.');
      return;
    }
    // Checked after the password, so this answer tells nothing to someone who does not know it.
    const sso = await requiresSso(deps.db, user.org_id);
    if (sso) {
      renderForm(res, 403, cookieCsrf, returnTo, email, `${sso.name} requires single sign-on: sign in with SSO instead.`, `${SSO_START_PATH}?${new URLSearchParams({ org: sso.slug, return_to: returnTo }).toString()}`);
      return;
    }
    setSessionCookie(res, await createSession(deps.db, user.id, user.org_id), secure);
    res.clearCookie(PRE_SESSION_CSRF_COOKIE, { path: '/sign-in' });
    res.redirect(303, returnTo);
  });
  return router;
}
