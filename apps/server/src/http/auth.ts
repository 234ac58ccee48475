import type { Request } from 'express';
import type { Scope } from '@greenlight/contract';
import type { Database } from '../storage/database.ts';
import { ApiError } from './errors.ts';
import { API_KEY_PATTERN, sha256Hex } from '../security/tokens.ts';
import { authenticateAccessToken } from '../modules/oauth/access-token.ts';
import { ACCESS_TOKEN_PATTERN } from '../modules/oauth/settings.ts';
import { authenticateSession } from '../modules/users/session-auth.ts';
import type { ApiKeyCache } from './api-key-cache.ts';

export interface AuthContext {
  org: { id: string; slug: string; name: string; emergency_stop: boolean };
  /** Who acts: a connection acts as itself, a person as the person. */
  principal: { type: 'connection' | 'user'; id: string; name: string | null };
  connection: {
    id: string;
    name: string;
    auth_type: 'api_key' | 'oauth';
    scopes: Scope[];
    rate_limit: number;
    created_at: Date;
  } | null;
  user: { id: string; email: string; name: string | null; role: 'admin' | 'approver' | 'viewer' } | null;
  scopes: Scope[];
  /** The key the rate limiter counts under. */
  rateLimitKey: string;
  rateLimit: number;
  /** Set for a dashboard session: the SHA-256 of its token (a password change keeps this session, ends the others). */
  sessionTokenHash?: string;
}

const WWW_AUTHENTICATE = { 'WWW-Authenticate': 'Bearer realm="greenlight"' };

const unauthorized = (message: string, error?: 'invalid_token' | 'invalid_request') =>
  new ApiError('UNAUTHORIZED', message, undefined, {
    'WWW-Authenticate': error ? `Bearer realm="greenlight", error="${error}"` : WWW_AUTHENTICATE['WWW-Authenticate'],
  });

interface ConnectionRow {
  connection_id: string;
  connection_name: string;
  auth_type: 'api_key' | 'oauth';
  scopes: Scope[];
  rate_limit: number;
  connection_created_at: Date;
  org_id: string;
  org_slug: string;
  org_name: string;
  emergency_stop: boolean;
}

/**
 * Resolves the credential of a request: a `gk_` API key or an OAuth access token as Bearer, or
 * else the dashboard's session cookie. Tokens and sessions cost one query per request; API keys come
 * from `keys` when given (see api-key-cache.ts: dropped the moment a revocation commits), else one
 * query. Either way a revoked key, grant or session fails on the next request.
 */
export async function authenticate(db: Database, req: Request, keys?: ApiKeyCache): Promise<AuthContext> {
  if (typeof req.query.access_token === 'string' || typeof req.query.api_key === 'string') {
    // RFC 6750 §5.3: credentials in URLs leak into logs and Referer headers.
    throw unauthorized('credentials in the query string are not accepted; use the Authorization header', 'invalid_request');
  }
  const header = req.get('authorization');
  if (!header) {
    const session = await authenticateSession(db, req);
    if (session.kind === 'ok') return session.auth;
    if (session.kind === 'csrf') throw new ApiError('FORBIDDEN', 'a signed-in request that changes something must carry the X-CSRF-Token header');
    if (session.kind === 'invalid') throw unauthorized('the session has expired; sign in again');
    throw unauthorized('missing Authorization header');
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('Authorization header must be "Bearer <api key>"', 'invalid_request');
  const token = match[1];
  if (ACCESS_TOKEN_PATTERN.test(token)) {
    const auth = await authenticateAccessToken(db, token);
    // RFC 6750 §3.1: the client learns it must refresh (Zapier refreshes on this 401).
    if (!auth) throw unauthorized('invalid, expired or revoked access token', 'invalid_token');
    return auth;
  }
  if (!API_KEY_PATTERN.test(token)) throw unauthorized('malformed API key', 'invalid_token');

  const keyHash = sha256Hex(token);
  const cached = keys?.get(keyHash);
  if (cached) return cached;
  const readAt = keys?.generation ?? 0;
  const { rows } = await db.query<ConnectionRow>(
    `SELECT c.id AS connection_id, c.name AS connection_name, c.auth_type, c.scopes, c.rate_limit,
            c.created_at AS connection_created_at,
            o.id AS org_id, o.slug AS org_slug, o.name AS org_name, o.emergency_stop
       FROM connections c JOIN orgs o ON o.id = c.org_id
      WHERE c.key_hash = $1 AND c.revoked_at IS NULL`,
    [keyHash],
    { prepare: 'authenticate_api_key' },
  );
  const row = rows[0];
  if (!row) throw unauthorized('invalid or revoked API key', 'invalid_token');
  const auth: AuthContext = {
    org: { id: row.org_id, slug: row.org_slug, name: row.org_name, emergency_stop: row.emergency_stop },
    principal: { type: 'connection', id: row.connection_id, name: row.connection_name },
    connection: {
      id: row.connection_id,
      name: row.connection_name,
      auth_type: row.auth_type,
      scopes: row.scopes,
      rate_limit: row.rate_limit,
      created_at: row.connection_created_at,
    },
    user: null,
    scopes: row.scopes,
    rateLimitKey: `conn:${row.connection_id}`,
    rateLimit: row.rate_limit,
  };
  if (keys) {
    // Shared by every request with this key from now on: frozen, so none can change it for the others.
    Object.freeze(auth.org);
    Object.freeze(auth.principal);
    Object.freeze(auth.connection!.scopes);
    Object.freeze(auth.connection);
    Object.freeze(auth);
    keys.set(keyHash, auth, readAt);
  }
  return auth;
}
