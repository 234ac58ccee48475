import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../../context.ts';
import { escapeHtml, hiddenInput, sendPage } from './html.ts';
import { csrfMatches, csrfTokenFor, findSession, readCookie, SESSION_COOKIE, type SessionInfo } from './sessions.ts';
import { changePassword, CurrentPasswordRequiredError, TooManyAttemptsError, WrongPasswordError } from './change-password.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PasswordPolicyError } from './passwords.ts';

export const PASSWORD_PAGE = '/account/password';

const PasswordForm = z.object({
  csrf: z.string().min(1).max(200),
  current_password: z.string().max(1024).optional(),
  new_password: z.string().max(1024),
  confirm_password: z.string().max(1024),
});

interface Signed {
  token: string;
  session: SessionInfo;
  passwordSet: boolean;
}

async function signedIn(deps: AppDeps, req: Request): Promise<Signed | null> {
  const token = readCookie(req, SESSION_COOKIE);
  const session = token ? await findSession(deps.db, token) : null;
  if (!token || !session) return null;
  const { rows } = await deps.db.query<{ set: boolean }>('SELECT password_hash IS NOT NULL AS set FROM users WHERE id = $1', [session.user.id]);
  return { token, session, passwordSet: rows[0]?.set ?? false };
}

function renderForm(res: Response, status: number, s: Signed, error?: string) {
  sendPage(
    res,
    status,
    s.passwordSet ? 'Change your password' : 'Set your password',
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p>Signed in as <strong>${escapeHtml(s.session.user.email)}</strong>.${s.passwordSet ? '' : ' Choose a password to sign in with from now on.'}</p>
<form method="post" action="${PASSWORD_PAGE}">
${hiddenInput('csrf', csrfTokenFor(s.token))}
<input type="email" name="email" autocomplete="username" value="${escapeHtml(s.session.user.email)}" hidden>
${s.passwordSet ? '<label>Current password <input type="password" name="current_password" autocomplete="current-password" required></label>' : ''}
<label>New password (${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters) <input type="password" name="new_password" autocomplete="new-password" minlength="${PASSWORD_MIN_LENGTH}" maxlength="${PASSWORD_MAX_LENGTH}" required></label>
<label>Repeat it <input type="password" name="confirm_password" autocomplete="new-password" required></label>
<button type="submit">Save password</button>
</form>`,
  );
}

const toSignIn = (res: Response) => res.redirect(303, `/sign-in?return_to=${encodeURIComponent(PASSWORD_PAGE)}`);

/**
 * The page a one-time sign-in link leads to while the account has no password, and where anyone
 * signed in changes theirs: server-rendered, no script, the session's CSRF token in the form, 303
 * after the POST. The dashboard can use `POST /api/v1/me/password` instead; both share changePassword().
 */
export function passwordPageRouter(deps: AppDeps): Router {
  const router = express.Router();

  router.get(PASSWORD_PAGE, async (req, res) => {
    const s = await signedIn(deps, req);
    if (!s) return toSignIn(res);
    renderForm(res, 200, s);
  });

  router.post(PASSWORD_PAGE, express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const s = await signedIn(deps, req);
    if (!s) return toSignIn(res);
    const form = PasswordForm.safeParse(req.body ?? {});
    if (!form.success || !csrfMatches(s.token, form.data.csrf)) return renderForm(res, 403, s, 'Your form expired. Please try again.');
    if (form.data.new_password !== form.data.confirm_password) return renderForm(res, 400, s, 'The two new passwords differ.');
    try {
      await changePassword(deps, {
        userId: s.session.user.id,
        currentPassword: form.data.current_password || undefined,
        newPassword: form.data.new_password,
        keepSessionHash: s.session.tokenHash,
      });
    } catch (err) {
      if (err instanceof PasswordPolicyError) return renderForm(res, 400, s, `The new password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long.`);
      if (err instanceof CurrentPasswordRequiredError || err instanceof WrongPasswordError) {
        return renderForm(res, 400, { ...s, passwordSet: true }, 'The current password is wrong.');
      }
      if (err instanceof TooManyAttemptsError) {
        res.set('Retry-After', String(err.retryAfterSeconds));
        return renderForm(res, 429, s, 'Too many attempts. Try again later.');
      }
      throw err;
    }
    res.redirect(303, '/');
  });
  return router;
}
