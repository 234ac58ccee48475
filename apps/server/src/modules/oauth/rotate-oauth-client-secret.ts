import { API_KEY_LIMITS, type Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';
import { rotateOAuthClientSecret as rotate, toClientJson } from './clients.ts';

/**
 * `POST /api/v1/oauth-clients/{id}/rotate-secret`: a new secret for a confidential client, the previous
 * one working beside it for the overlap. The new secret is answered once.
 */
export const rotateOAuthClientSecret: Handler<Routes['rotateOAuthClientSecret']> = async ({ auth, params, body, deps, log }) => {
  const rotated = await rotate(deps.db, auth.org.id, params.id, body.overlap_seconds ?? API_KEY_LIMITS.defaultOverlapSeconds, actorOf(auth));
  if (!rotated) throw notFound('OAuth client');
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, oauth_client_id: params.id }, 'OAuth client secret rotated');
  return { status: 201, body: { ...toClientJson(rotated.client), client_secret: rotated.clientSecret } };
};
