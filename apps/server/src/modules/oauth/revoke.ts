import type { Request, Response } from 'express';
import type { AppDeps } from '../../context.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { findActiveClient, secretMatches } from './clients.ts';
import { revokeGrant } from './model.ts';
import { formParams, OAuthProtocolError, presentedClient, sendOAuthError } from './protocol.ts';
import { limitTokenRequests, toProtocolError } from './token.ts';

/**
 * `POST /oauth/revoke` (RFC 7009). 200 for any token once the client is authenticated, including
 * unknown ones and ones issued to another client (which are left alone): the answer never tells a
 * client whether some token exists. Revoking a refresh token ends the whole grant (its connection
 * and every access token); revoking an access token ends that token only.
 */
export async function revokeEndpoint(deps: AppDeps, req: Request, res: Response): Promise<void> {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  let method: string | undefined;
  try {
    await limitTokenRequests(deps, req, undefined);
    const params = formParams(req);
    const presented = presentedClient(req, params);
    method = presented.method;
    const client = await findActiveClient(deps.db, presented.clientId);
    // RFC 7009 §2.1: a public client revokes its own tokens by naming itself.
    const authenticated =
      client !== null &&
      (presented.method === 'none' ? client.client_secret_hash === null : secretMatches(client, presented.clientSecret));
    if (!client || !authenticated) {
      throw new OAuthProtocolError(
        'invalid_client',
        'client authentication failed',
        method === 'client_secret_basic' ? 401 : 400,
        method === 'client_secret_basic' ? { 'WWW-Authenticate': 'Basic realm="greenlight"' } : {},
      );
    }
    if (!params.token) throw new OAuthProtocolError('invalid_request', 'token is required');
    const hint = params.token_type_hint;
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new OAuthProtocolError('unsupported_token_type', 'token_type_hint must be access_token or refresh_token');
    }
    await deps.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ kind: 'access' | 'refresh'; connection_id: string }>(
        `SELECT kind, connection_id FROM oauth_tokens WHERE token_hash = $1 AND client_id = $2 FOR UPDATE`,
        [sha256Hex(params.token!), client.id],
      );
      const token = rows[0];
      if (!token) return;
      if (token.kind === 'refresh') await revokeGrant(tx, token.connection_id);
      else await tx.query('UPDATE oauth_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE token_hash = $1', [sha256Hex(params.token!)]);
    });
    res.status(200).json({});
  } catch (err) {
    sendOAuthError(res, toProtocolError(err, method, req));
  }
}
