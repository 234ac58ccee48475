import type { Database } from '../../storage/database.ts';
import type { RateLimitStore } from '../../http/rate-limit.ts';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PasswordPolicyError, verifyPassword } from './passwords.ts';

/**
 * Attempts per hour and person. A stolen session must not become a way to guess the current
 * password (and with it, sign in elsewhere) faster than the sign-in form allows.
 */
export const PASSWORD_CHANGES_PER_HOUR = 10;

export class CurrentPasswordRequiredError extends Error {}
export class WrongPasswordError extends Error {}
export class TooManyAttemptsError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many password changes; try again later');
  }
}

/**
 * Sets a signed-in person's password. The first one (none set yet: an account opened with a
 * one-time sign-in link) needs no current password; replacing one does. The update is a
 * compare-and-set on the hash that was checked, so two concurrent first settings cannot both win.
 * Every other session of the person ends (OWASP: a password change signs out elsewhere).
 */
export async function changePassword(
  deps: { db: Database; rateLimit: RateLimitStore },
  input: { userId: string; currentPassword: string | undefined; newPassword: string; keepSessionHash: string | undefined },
): Promise<{ otherSessionsEnded: number }> {
  if (input.newPassword.length < PASSWORD_MIN_LENGTH || input.newPassword.length > PASSWORD_MAX_LENGTH) {
    throw new PasswordPolicyError(`a password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`);
  }
  const limit = await deps.rateLimit.consume(`password:user:${input.userId}`, PASSWORD_CHANGES_PER_HOUR);
  if (!limit.allowed) throw new TooManyAttemptsError(limit.retryAfterSeconds);

  const { rows } = await deps.db.query<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE id = $1', [input.userId]);
  const current = rows[0]?.password_hash ?? null;
  if (current !== null) {
    if (input.currentPassword === undefined) throw new CurrentPasswordRequiredError('current_password is required to change a password');
    if (!(await verifyPassword(current, input.currentPassword))) throw new WrongPasswordError('current_password is wrong');
  }
  const encoded = await hashPassword(input.newPassword);
  return deps.db.transaction(async (tx) => {
    const updated = await tx.query('UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash IS NOT DISTINCT FROM $3', [
      input.userId,
      encoded,
      current,
    ]);
    if (updated.rowCount !== 1) throw new CurrentPasswordRequiredError('the password was just set elsewhere; enter it as current_password');
    const ended = await tx.query('DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2', [
      input.userId,
      input.keepSessionHash ?? null,
    ]);
    return { otherSessionsEnded: ended.rowCount };
  });
}
