import express, { type ErrorRequestHandler, type Router } from 'express';
import { SCOPES } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import { authorizeGet, authorizePost } from './authorize.ts';
import { SUPPORTED_GRANT_TYPES, tokenEndpoint } from './token.ts';
import { revokeEndpoint } from './revoke.ts';
import { registerEndpoint } from './register.ts';
import { sendOAuthError, OAuthProtocolError } from './protocol.ts';

/** `none`: public clients, which register themselves (RFC 7591) and must use PKCE. */
const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'];

/** RFC 8414 metadata: exactly what is implemented, nothing more (no implicit, no password grant, no plain PKCE). */
export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    registration_endpoint: `${issuer}/oauth/register`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...SUPPORTED_GRANT_TYPES],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    scopes_supported: [...SCOPES],
    authorization_response_iss_parameter_supported: true,
  };
}

/** The OAuth 2.0 authorization server: its own bodies (forms) and its own error format (RFC 6749). */
export function oauthRouter(deps: AppDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });

  router.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.json(authorizationServerMetadata(deps.config.publicUrl));
  });
  router.get('/oauth/authorize', (req, res) => authorizeGet(deps, req, res));
  router.post('/oauth/authorize', form, (req, res) => authorizePost(deps, req, res));
  router.post('/oauth/token', form, (req, res) => tokenEndpoint(deps, req, res));
  router.post('/oauth/revoke', form, (req, res) => revokeEndpoint(deps, req, res));
  router.post('/oauth/register', express.json({ limit: '16kb', type: () => true }), (req, res) => registerEndpoint(deps, req, res));
  // RFC 6749 §3.2: the token endpoint takes POST only (and so do revocation and registration).
  router.all(['/oauth/token', '/oauth/revoke', '/oauth/register'], (_req, res) => {
    res.set('Allow', 'POST');
    sendOAuthError(res, new OAuthProtocolError('invalid_request', 'use POST', 405));
  });
  // A form that cannot be parsed (too large, bad encoding) is still answered in RFC 6749's format.
  const formError: ErrorRequestHandler = (err, req, res, next) => {
    if (req.path !== '/oauth/token' && req.path !== '/oauth/revoke' && req.path !== '/oauth/register') return next(err);
    const status = (err as { status?: number }).status === 413 ? 413 : 400;
    // RFC 7591 §3.2.2 names its own error for a registration that cannot be read.
    const code = req.path === '/oauth/register' ? 'invalid_client_metadata' : 'invalid_request';
    sendOAuthError(res, new OAuthProtocolError(code, 'the request body cannot be parsed', status));
  };
  router.use(formError);
  return router;
}
