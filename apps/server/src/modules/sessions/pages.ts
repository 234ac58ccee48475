import express, { type Request, type Router } from 'express';
import type { AppDeps } from '../../app.ts';
import { randomToken, sha256Hex } from '../../security/tokens.ts';
import { PASSWORD_PAGE } from '../users/password-page.ts';

export const SESSION_COOKIE = 'gl_session';
const SESSION_TTL_HOURS = 12;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Greenlight</title><link rel="stylesheet" href="/greenlight.css"></head>
<body class="gl-page"><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/**
 * The one-time sign-in link printed by `greenlight init`, and the landing page.
 * The link is single-use and short-lived; it opens a session cookie (HttpOnly, SameSite=Lax,
 * Secure when the public URL is https).
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
      res.status(410).type('html').send(page('This link has expired', '<p>Sign-in links work once and for one hour. Ask an admin for a new one.</p>'));
      return;
    }
    const session = randomToken();
    await deps.db.query(
      `INSERT INTO sessions (token_hash, user_id, org_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4))`,
      [sha256Hex(session), link.user_id, link.org_id, SESSION_TTL_HOURS],
    );
    res.cookie(SESSION_COOKIE, session, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: SESSION_TTL_HOURS * 3600_000 });
    // A new account (first run, or an admin's invitation) chooses its password next.
    res.redirect(303, link.needs_password ? PASSWORD_PAGE : '/');
  });

  router.get('/', async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    const who = token
      ? (
          await deps.db.query<{ email: string; org_name: string; role: string }>(
            `SELECT u.email, o.name AS org_name, m.role FROM sessions s
               JOIN users u ON u.id = s.user_id JOIN orgs o ON o.id = s.org_id
               JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id
              WHERE s.token_hash = $1 AND s.expires_at > now()`,
            [sha256Hex(token)],
          )
        ).rows[0]
      : undefined;
    const body = who
      ? `<p>Signed in as <strong>${escapeHtml(who.email)}</strong> (${escapeHtml(who.role)}) in <strong>${escapeHtml(who.org_name)}</strong>.</p>` +
        `<p><a href="${PASSWORD_PAGE}">Set or change your password</a></p>`
      : '<p>Greenlight is running.</p>';
    res.type('html').send(page('Greenlight', `${body}<p><a href="/docs">API reference</a></p>`));
  });
  return router;
}
