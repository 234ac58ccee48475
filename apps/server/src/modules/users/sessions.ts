import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Database } from '../../storage/database.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '../../security/tokens.ts';

/** The dashboard session, however it was opened (the sign-in form, or a one-time link of modules/sessions/pages.ts). */
export const SESSION_COOKIE = 'gl_session';
export const SESSION_TTL_HOURS = 12;
/** Double-submit cookie that protects the sign-in form itself (login CSRF), before any session exists. */
export const PRE_SESSION_CSRF_COOKIE = 'gl_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export type Role = 'admin' | 'approver' | 'viewer';

export interface SessionInfo {
  tokenHash: string;
  user: { id: string; email: string; name: string | null };
  org: { id: string; slug: string; name: string; emergency_stop: boolean };
  role: Role;
  /** The member permission to see sensitive fields unmasked. */
  seeSensitive: boolean;
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) {
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * The CSRF token of a session is derived from the session secret, which only the browser holding
 * the HttpOnly cookie knows: nothing to store, and it dies with the session (OWASP "synchronizer token").
 */
export const csrfTokenFor = (sessionToken: string): string =>
  createHash('sha256').update(`greenlight-csrf:${sessionToken}`).digest('base64url');

export const csrfMatches = (sessionToken: string, presented: unknown): boolean =>
  typeof presented === 'string' && constantTimeEqual(csrfTokenFor(sessionToken), presented);

export async function createSession(db: Database, userId: string, orgId: string): Promise<string> {
  const token = randomToken();
  await db.query(
    `INSERT INTO sessions (token_hash, user_id, org_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4))`,
    [sha256Hex(token), userId, orgId, SESSION_TTL_HOURS],
  );
  return token;
}

export function setSessionCookie(res: Response, token: string, secure: boolean): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: SESSION_TTL_HOURS * 3600_000 });
}

/** The live session of a token, with the member's current role (a role change applies at once). */
export async function findSession(db: Database, token: string): Promise<SessionInfo | null> {
  const { rows } = await db.query<{
    token_hash: string;
    user_id: string;
    email: string;
    user_name: string | null;
    org_id: string;
    org_slug: string;
    org_name: string;
    emergency_stop: boolean;
    role: Role;
    see_sensitive: boolean;
  }>(
    `SELECT s.token_hash, u.id AS user_id, u.email, u.name AS user_name,
            o.id AS org_id, o.slug AS org_slug, o.name AS org_name, o.emergency_stop, m.role, m.see_sensitive
       FROM sessions s
       JOIN users u ON u.id = s.user_id
       JOIN orgs o ON o.id = s.org_id
       JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [sha256Hex(token)],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    tokenHash: r.token_hash,
    user: { id: r.user_id, email: r.email, name: r.user_name },
    org: { id: r.org_id, slug: r.org_slug, name: r.org_name, emergency_stop: r.emergency_stop },
    role: r.role,
    seeSensitive: r.see_sensitive,
  };
}
