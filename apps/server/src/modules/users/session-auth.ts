import type { Request } from 'express';
import { RATE_LIMIT_WINDOWS, SCOPES } from '@greenlight/contract';
import type { Database } from '../../storage/database.ts';
import type { SessionResult } from '../../http/auth.ts';
import { CSRF_HEADER, csrfMatches, findSession, readCookie, SESSION_COOKIE } from './sessions.ts';

/** Requests per hour for a signed-in person using the API from the dashboard. */
export const SESSION_RATE_LIMIT = 1000;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);


/**
 * A session cookie on /api/v1 (the dashboard). The person holds every scope; their role limits
 * what they may do. A cookie is sent by the browser on its own, so every mutation must also carry
 * the session's CSRF token in `X-CSRF-Token` (SameSite=Lax alone leaves same-site attackers).
 */
export async function authenticateSession(db: Database, req: Request): Promise<SessionResult> {
  const token = readCookie(req, SESSION_COOKIE);
  if (!token) return { kind: 'none' };
  const session = await findSession(db, token);
  if (!session) return { kind: 'invalid' };
  if (!SAFE_METHODS.has(req.method) && !csrfMatches(token, req.get(CSRF_HEADER))) return { kind: 'csrf' };
  return {
    kind: 'ok',
    auth: {
      org: session.org,
      principal: { type: 'user', id: session.user.id, name: session.user.name ?? session.user.email },
      connection: null,
      user: { ...session.user, role: session.role, see_sensitive: session.seeSensitive },
      scopes: [...SCOPES],
      rateLimitKey: `user:${session.user.id}`,
      rateLimit: SESSION_RATE_LIMIT,
      rateLimitWindowSeconds: RATE_LIMIT_WINDOWS.hour,
      sessionTokenHash: session.tokenHash,
    },
  };
}
