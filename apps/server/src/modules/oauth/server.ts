import { createRequire } from 'node:module';
import OAuth2Server from '@node-oauth/oauth2-server';
import type { Database } from '../../storage/database.ts';
import { createOAuthModel, type OAuthRequestContext } from './model.ts';
import { OAUTH_SETTINGS } from './settings.ts';

const { InvalidGrantError, InvalidRequestError } = OAuth2Server;

interface AuthorizationCodeGrant {
  validateRedirectUri(request: OAuth2Server.Request, code: OAuth2Server.AuthorizationCode): void;
}
const require = createRequire(import.meta.url);
// The library exports only the abstract grant type; the concrete one is subclassed from its file.
const AuthorizationCodeGrantType = require('@node-oauth/oauth2-server/lib/grant-types/authorization-code-grant-type.js') as new (
  options: object,
) => AuthorizationCodeGrant;

/**
 * RFC 6749 §4.1.3 and §5.2: a redirect_uri that differs from the authorization request's is
 * `invalid_grant` (the code is bound to it); the library answers `invalid_request` and also
 * accepts the value from the query string.
 */
class StrictAuthorizationCodeGrant extends AuthorizationCodeGrantType {
  override validateRedirectUri(request: OAuth2Server.Request, code: OAuth2Server.AuthorizationCode): void {
    const given: unknown = request.body?.redirect_uri;
    if (typeof given !== 'string' || given === '') {
      throw new InvalidRequestError('Missing parameter: `redirect_uri` (it was sent with the authorization request)');
    }
    if (given !== code.redirectUri) {
      throw new InvalidGrantError('Invalid grant: `redirect_uri` does not match the one of the authorization request');
    }
  }
}

/**
 * One library server per request, around a per-request model (see model.ts) that knows what the
 * library does not pass on: the resource (RFC 8707) the request is about. Only the
 * authorization_code and refresh_token grants are reachable: clients are given no other grant,
 * so the library's password and client_credentials grants answer `unauthorized_client`.
 */
export function createOAuthServer(db: Database, request: OAuthRequestContext = {}) {
  const model = createOAuthModel(db, request);
  return new OAuth2Server({
    model,
    accessTokenLifetime: OAUTH_SETTINGS.accessTokenTtl,
    refreshTokenLifetime: OAUTH_SETTINGS.refreshTokenTtl,
    authorizationCodeLifetime: OAUTH_SETTINGS.codeTtl,
    allowEmptyState: true,
    allowBearerTokensInQueryString: false,
    alwaysIssueNewRefreshToken: true,
    // Public clients (registered with `none`) send no secret; model.getClient refuses a confidential
    // client that leaves its secret out, so this lifts nothing for them.
    requireClientAuthentication: { authorization_code: false, refresh_token: false },
    extendedGrantTypes: { authorization_code: StrictAuthorizationCodeGrant as unknown as typeof OAuth2Server.AbstractGrantType },
  });
}
