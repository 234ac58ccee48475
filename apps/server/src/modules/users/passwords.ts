import { hash, verify } from '@node-rs/argon2';
import type { Database } from '../../storage/database.ts';

/**
 * argon2id with OWASP's minimum profile (19 MiB, t=2, p=1), via @node-rs/argon2 (prebuilt binaries,
 * no compiler needed). The encoded hash carries its parameters, so raising them later only
 * affects new hashes.
 */
// `Algorithm.Argon2id` is an ambient const enum, which verbatimModuleSyntax cannot read: its value is 2.
const ARGON2ID = 2;
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

/**
 * Verifying against a fixed dummy hash when the user is unknown or has no password keeps the
 * answer time the same either way, so sign-in does not reveal which emails exist.
 */
let dummyHash: Promise<string> | undefined;
export async function verifyPassword(encoded: string | null, password: string): Promise<boolean> {
  const target = encoded ?? (await (dummyHash ??= hashPassword('greenlight-dummy-password')));
  const okay = await verify(target, password).catch(() => false);
  return encoded !== null && okay;
}

export class PasswordPolicyError extends Error {}

/** Sets (or replaces) a user's password. */
export async function setPassword(db: Database, userId: string, password: string): Promise<void> {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new PasswordPolicyError(`a password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`);
  }
  const encoded = await hashPassword(password);
  const { rowCount } = await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, encoded]);
  if (rowCount !== 1) throw new Error(`no user ${userId}`);
}

export interface SignInUser {
  id: string;
  email: string;
  /** The org the session opens in: the user's oldest membership. */
  org_id: string | null;
}

/** Checks an email and password; null for any failure (unknown email, no password, wrong password). */
export async function checkCredentials(db: Database, email: string, password: string): Promise<SignInUser | null> {
  const { rows } = await db.query<SignInUser & { password_hash: string | null }>(
    `SELECT u.id, u.email, u.password_hash,
            (SELECT m.org_id FROM memberships m WHERE m.user_id = u.id ORDER BY m.created_at, m.org_id LIMIT 1) AS org_id
       FROM users u WHERE lower(u.email) = lower($1)`,
    [email],
  );
  const row = rows[0];
  const okay = await verifyPassword(row?.password_hash ?? null, password);
  if (!row || !okay) return null;
  return { id: row.id, email: row.email, org_id: row.org_id };
}
