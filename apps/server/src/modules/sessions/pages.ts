import express, { type Router } from 'express';
import type { AppDeps } from '../../context.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { PASSWORD_PAGE } from '../users/password-page.ts';
import { escapeHtml, sendPage } from '../users/html.ts';
import { createSession, findSession, readCookie, SESSION_COOKIE, setSessionCookie } from '../users/sessions.ts';

/**
 * The one-time sign-in link printed by `greenlight init`, and the landing page.
 * The link is single-use and short-lived; it opens the same session as the sign-in form
 * (modules/users/sessions.ts).
 */
export function pagesRouter(deps: AppDeps): Router {
  const router = express.Router();
  const secure = deps.config.publicUrl.startsWith('https://');

  router.get('/sign-in/:token', async (req, res) => {
    const { rows } = await deps.db.query<{ user_id: string; org_id: string; needs_password: boolean }>(
      `UPDATE sign_in_tokens SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id, org_id, (SELECT u.password_hash IS NULL FROM users u WHERE u.id = user_id) AS needs_password`,
      [sha256Hex(String(req.params.token))],
    );
    const link = rows[0];
    if (!link) {
      sendPage(res, 410, 'This link has expired', '<p>Sign-in links work once and for one hour. Ask an admin for a new one.</p>');
      return;
    }
    setSessionCookie(res, await createSession(deps.db, link.user_id, link.org_id), secure);
    // A new account (first run, or an admin's invitation) chooses its password next.
    res.redirect(303, link.needs_password ? PASSWORD_PAGE : '/');
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
