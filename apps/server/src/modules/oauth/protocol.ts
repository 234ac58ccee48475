import type { Request, Response } from 'express';

/** RFC 6749 §5.2 error codes this server answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  // RFC 8707 §2: a resource indicator the server does not serve.
  | 'invalid_target'
  // RFC 7591 §3.2.2.
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata';

/** Errors of the token and revocation endpoints speak RFC 6749 §5.2, not the API envelope. */
export class OAuthProtocolError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

export function sendOAuthError(res: Response, e: OAuthProtocolError): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache', ...e.headers });
  res.status(e.status).json({ error: e.error, error_description: e.description });
}

/**
 * RFC 6749 §3.2: parameters appear at most once; a repeated one (an array after urlencoded
 * parsing) is `invalid_request`, as is a body that is not a form.
 */
export function formParams(req: Request): Record<string, string> {
  if (!req.is('application/x-www-form-urlencoded')) {
    throw new OAuthProtocolError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== 'string') throw new OAuthProtocolError('invalid_request', `parameter ${k} was sent more than once`);
    out[k] = v;
  }
  return out;
}

export type PresentedClientCredentials =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; clientSecret: string }
  /** A public client (RFC 6749 §2.1) names itself and proves nothing; PKCE binds its codes. */
  | { method: 'none'; clientId: string };

function decodeFormComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new OAuthProtocolError('invalid_client', 'malformed Basic credentials', 401, { 'WWW-Authenticate': 'Basic realm="greenlight"' });
  }
}

/**
 * RFC 6749 §2.3.1: `client_secret_basic` (form-encoded id and secret in the Authorization header)
 * or `client_secret_post` (both in the body), never both in one request. A `client_id` in the
 * body next to Basic is tolerated (some clients always send it) but must name the same client.
 * A `client_id` alone is a public client's `none` (RFC 7591 §2): only a client registered without a
 * secret is accepted so (model.ts), so a confidential client that leaves its secret out fails.
 */
export function presentedClient(req: Request, params: Record<string, string>): PresentedClientCredentials {
  const header = req.get('authorization');
  if (header !== undefined) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!m?.[1]) throw new OAuthProtocolError('invalid_client', 'the Authorization header must be Basic client credentials', 401, { 'WWW-Authenticate': 'Basic realm="greenlight"' });
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthProtocolError('invalid_client', 'malformed Basic credentials', 401, { 'WWW-Authenticate': 'Basic realm="greenlight"' });
    const clientId = decodeFormComponent(decoded.slice(0, colon));
    const clientSecret = decodeFormComponent(decoded.slice(colon + 1));
    if (params.client_secret !== undefined) {
      throw new OAuthProtocolError('invalid_request', 'use one client authentication method: client_secret_basic or client_secret_post, not both');
    }
    if (params.client_id !== undefined && params.client_id !== clientId) {
      throw new OAuthProtocolError('invalid_request', 'client_id in the body differs from the Basic credentials');
    }
    return { method: 'client_secret_basic', clientId, clientSecret };
  }
  if (params.client_id && params.client_secret) {
    return { method: 'client_secret_post', clientId: params.client_id, clientSecret: params.client_secret };
  }
  if (params.client_id && params.client_secret === undefined) return { method: 'none', clientId: params.client_id };
  throw new OAuthProtocolError('invalid_client', 'client authentication is required (client_secret_basic or client_secret_post)');
}
