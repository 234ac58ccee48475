import type { Request, Response } from 'express';
import OAuth2Server from '@node-oauth/oauth2-server';
import type { AppDeps } from '../../context.ts';
import { createOAuthServer } from './server.ts';
import { formParams, OAuthProtocolError, presentedClient, sendOAuthError, type OAuthErrorCode } from './protocol.ts';
import { OAUTH_SETTINGS } from './settings.ts';

export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

/**
 * Counts a token or revocation request against the caller's IP and the client it names. One
 * platform (Zapier, Make) uses one client for all its users, so the per-client limit is wide; the
 * per-IP limit is what slows down guessing.
 */
export async function limitTokenRequests(deps: AppDeps, req: Request, clientId: string | undefined): Promise<void> {
  const checks = [deps.rateLimit.consume(`oauth-token:ip:${req.ip ?? 'unknown'}`, OAUTH_SETTINGS.tokenRequestsPerIp)];
  if (clientId) checks.push(deps.rateLimit.consume(`oauth-token:client:${clientId}`, OAUTH_SETTINGS.tokenRequestsPerClient));
  const blocked = (await Promise.all(checks)).find((d) => !d.allowed);
  if (blocked) {
    // 429 is one of the statuses Zapier retries instead of marking the connection stale.
    throw new OAuthProtocolError('temporarily_unavailable', `too many token requests; retry in ${blocked.retryAfterSeconds} s`, 429, {
      'Retry-After': String(blocked.retryAfterSeconds),
    });
  }
}

const clientIdHint = (req: Request): string | undefined => {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body.client_id === 'string') return body.client_id.slice(0, 200);
  const m = /^Basic\s+([A-Za-z0-9+/=]+)/i.exec(req.get('authorization') ?? '');
  return m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8').split(':')[0]?.slice(0, 200) : undefined;
};

/**
 * `POST /oauth/token` (RFC 6749 §4.1.3, §6). Guard clauses the library lacks run first: rate limit,
 * form body, single parameters, supported grant, one client authentication method. The library then
 * authenticates the client and runs the grant (PKCE, code binding, scope narrowing) against model.ts.
 */
export async function tokenEndpoint(deps: AppDeps, req: Request, res: Response): Promise<void> {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  let method: 'client_secret_basic' | 'client_secret_post' | 'none' | undefined;
  try {
    await limitTokenRequests(deps, req, clientIdHint(req));
    const params = formParams(req);
    if (!params.grant_type) throw new OAuthProtocolError('invalid_request', 'grant_type is required');
    if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(params.grant_type)) {
      throw new OAuthProtocolError('unsupported_grant_type', `grant_type must be one of ${SUPPORTED_GRANT_TYPES.join(', ')}`);
    }
    const client = presentedClient(req, params);
    method = client.method;

    // The library reads credentials from the body: hand it the ones checked above, and no header.
    const request = new OAuth2Server.Request({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(req.get('content-length') ?? '1') },
      query: {},
      body: { ...params, client_id: client.clientId, ...(client.method === 'none' ? {} : { client_secret: client.clientSecret }) },
    });
    const response = new OAuth2Server.Response({});
    // RFC 8707 §2.2: the audience the tokens are for; checked against the one the code or refresh token was issued for.
    await createOAuthServer(deps.db, { requestedResource: params.resource ?? null }).token(request, response);
    res.status(200).json(response.body);
  } catch (err) {
    sendOAuthError(res, toProtocolError(err, method, req));
  }
}

export function toProtocolError(err: unknown, method: string | undefined, req: Request): OAuthProtocolError {
  if (err instanceof OAuthProtocolError) return err;
  if (err instanceof OAuth2Server.OAuthError && err.name !== 'server_error') {
    if (err.name === 'invalid_client') {
      // RFC 6749 §5.2: 401 with a challenge when the client tried the Authorization header.
      return method === 'client_secret_basic'
        ? new OAuthProtocolError('invalid_client', 'client authentication failed', 401, { 'WWW-Authenticate': 'Basic realm="greenlight"' })
        : new OAuthProtocolError('invalid_client', 'client authentication failed');
    }
    return new OAuthProtocolError(err.name as OAuthErrorCode, err.message, err.code === 401 ? 401 : 400);
  }
  req.log.error({ err }, 'token request failed');
  return new OAuthProtocolError('server_error', 'internal error', 500);
}
