import type { Request, Response } from 'express';
import type { AppDeps } from '../../context.ts';
import { DynamicClientMetadata, RedirectUri, registerDynamicClient } from './clients.ts';
import { OAuthProtocolError, sendOAuthError } from './protocol.ts';
import { OAUTH_SETTINGS } from './settings.ts';

const describeIssues = (issues: readonly { path: PropertyKey[]; message: string }[]) =>
  issues.map((i) => (i.path.length > 0 ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');

/**
 * `POST /oauth/register`: dynamic client registration (RFC 7591 §3) for public clients, so an MCP
 * client never configured for Greenlight can connect by itself. Open to anyone, as the RFC's open
 * registration is: limited per client address, and the client gets nothing until a signed-in member
 * consents (the grant is then recorded in that member's org audit log). Errors are RFC 7591 §3.2.2's
 * JSON: `invalid_redirect_uri` for a redirect URI, `invalid_client_metadata` for anything else.
 */
export async function registerEndpoint(deps: AppDeps, req: Request, res: Response): Promise<void> {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  try {
    const limit = await deps.rateLimit.consume(`oauth-register:ip:${req.ip ?? 'unknown'}`, OAUTH_SETTINGS.registrationsPerIp);
    if (!limit.allowed) {
      throw new OAuthProtocolError('temporarily_unavailable', `too many client registrations; retry in ${limit.retryAfterSeconds} s`, 429, {
        'Retry-After': String(limit.retryAfterSeconds),
      });
    }
    if (!req.is('application/json') || typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw new OAuthProtocolError('invalid_client_metadata', 'the body must be a JSON object of client metadata (RFC 7591 §2)');
    }
    const body = req.body as Record<string, unknown>;
    const uris = Array.isArray(body.redirect_uris) ? body.redirect_uris : [];
    const badUri = uris.map((u) => RedirectUri.safeParse(u)).find((r) => !r.success);
    if (badUri && !badUri.success) {
      throw new OAuthProtocolError('invalid_redirect_uri', `redirect_uris: ${describeIssues(badUri.error.issues)}`);
    }
    const parsed = DynamicClientMetadata.safeParse(body);
    if (!parsed.success) {
      const uriIssue = parsed.error.issues.find((i) => i.path[0] === 'redirect_uris');
      throw new OAuthProtocolError(uriIssue ? 'invalid_redirect_uri' : 'invalid_client_metadata', describeIssues(parsed.error.issues));
    }
    const client = await registerDynamicClient(deps.db, parsed.data);
    req.log.info({ client_id: client.client_id, client_name: client.name, redirect_uris: client.redirect_uris }, 'OAuth client registered itself');
    res.status(201).json({
      client_id: client.client_id,
      client_id_issued_at: Math.floor(client.created_at.getTime() / 1000),
      client_name: client.name,
      redirect_uris: client.redirect_uris,
      token_endpoint_auth_method: 'none',
      grant_types: parsed.data.grant_types,
      response_types: parsed.data.response_types,
      scope: client.scopes.join(' '),
      ...(parsed.data.software_id !== undefined ? { software_id: parsed.data.software_id } : {}),
      ...(parsed.data.software_version !== undefined ? { software_version: parsed.data.software_version } : {}),
    });
  } catch (err) {
    if (!(err instanceof OAuthProtocolError)) {
      req.log.error({ err }, 'client registration failed');
      return sendOAuthError(res, new OAuthProtocolError('server_error', 'internal error', 500));
    }
    sendOAuthError(res, err);
  }
}
