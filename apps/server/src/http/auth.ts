import type { Request } from 'express';
import type { AuthContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { API_KEY_PATTERN, sha256Hex } from '../security/tokens.ts';
import type { ApiKeyCache } from './api-key-cache.ts';

/** What a request's session cookie amounts to: none, unknown or expired, a change without its CSRF token, or signed in. */
export type SessionResult = { kind: 'none' } | { kind: 'invalid' } | { kind: 'csrf' } | { kind: 'ok'; auth: AuthContext };

/**
 * How each kind of credential is resolved to a caller. The features that own them provide these
 * (sessions: modules/users; OAuth access tokens: modules/oauth; API keys: modules/connections), and
 * the composition root hands them to the router: this layer only reads the request and answers in
 * the protocol's terms (RFC 6750).
 */
export interface Credentials {
  session(req: Request): Promise<SessionResult>;
  /** OAuth access tokens: their format, and the grant one belongs to (null: unknown, expired or revoked). */
  accessToken: { pattern: RegExp; resolve(token: string): Promise<AuthContext | null> };
  /** The connection of an API key, by the key's SHA-256 (null: unknown or revoked). */
  apiKey(keyHash: string): Promise<AuthContext | null>;
}

const WWW_AUTHENTICATE = 'Bearer realm="greenlight"';

const unauthorized = (message: string, error?: 'invalid_token' | 'invalid_request') =>
  new ApiError('UNAUTHORIZED', message, undefined, {
    'WWW-Authenticate': error ? `Bearer realm="greenlight", error="${error}"` : WWW_AUTHENTICATE,
  });

/**
 * Resolves the credential of a request: a `gk_` API key or an OAuth access token as Bearer, or
 * else the dashboard's session cookie. Tokens and sessions cost one query per request; API keys come
 * from `keys` when given (see api-key-cache.ts: dropped the moment a revocation commits), else one
 * query. Either way a revoked key, grant or session fails on the next request.
 */
export async function authenticate(credentials: Credentials, req: Request, keys?: ApiKeyCache<AuthContext>): Promise<AuthContext> {
  if (typeof req.query.access_token === 'string' || typeof req.query.api_key === 'string') {
    // RFC 6750 §5.3: credentials in URLs leak into logs and Referer headers.
    throw unauthorized('credentials in the query string are not accepted; use the Authorization header', 'invalid_request');
  }
  const header = req.get('authorization');
  if (!header) {
    const session = await credentials.session(req);
    if (session.kind === 'ok') return session.auth;
    if (session.kind === 'csrf') throw new ApiError('FORBIDDEN', 'a signed-in request that changes something must carry the X-CSRF-Token header');
    if (session.kind === 'invalid') throw unauthorized('the session has expired; sign in again');
    throw unauthorized('missing Authorization header');
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('Authorization header must be "Bearer <api key>"', 'invalid_request');
  const token = match[1];
  if (credentials.accessToken.pattern.test(token)) {
    const auth = await credentials.accessToken.resolve(token);
    // RFC 6750 §3.1: the client learns it must refresh (Zapier refreshes on this 401).
    if (!auth) throw unauthorized('invalid, expired or revoked access token', 'invalid_token');
    return auth;
  }
  if (!API_KEY_PATTERN.test(token)) throw unauthorized('malformed API key', 'invalid_token');

  const keyHash = sha256Hex(token);
  const cached = keys?.get(keyHash);
  if (cached) return unexpired(cached);
  const readAt = keys?.generation ?? 0;
  const auth = await credentials.apiKey(keyHash);
  if (!auth) throw unauthorized('invalid or revoked API key', 'invalid_token');
  unexpired(auth);
  if (keys) {
    // Shared by every request with this key from now on: frozen, so none can change it for the others.
    Object.freeze(auth.org);
    Object.freeze(auth.principal);
    Object.freeze(auth.connection?.scopes);
    Object.freeze(auth.connection);
    Object.freeze(auth);
    keys.set(keyHash, auth, readAt);
  }
  return auth;
}

/**
 * An API key past its `expires_at` is refused on this process's clock, checked on every request, a
 * cached one too: so it stops at its expiry on every replica without anyone announcing it. Only the
 * holder of the key learns that it expired (rather than that it is unknown): they need to know to
 * ask for a new one, and it tells them nothing they did not have.
 */
function unexpired(auth: AuthContext): AuthContext {
  const expiresAt = auth.connection?.expires_at;
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new ApiError(
      'UNAUTHORIZED',
      `this API key expired at ${expiresAt.toISOString()}; an admin can issue a new one (or rotate it)`,
      { reason: 'api_key_expired', expired_at: expiresAt.toISOString() },
      { 'WWW-Authenticate': 'Bearer realm="greenlight", error="invalid_token", error_description="the API key has expired"' },
    );
  }
  return auth;
}
