import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { notFound } from '../../errors.ts';
import { revokeOAuthClient as revokeClient, toClientJson } from './clients.ts';

/** `DELETE /api/v1/oauth-clients/{id}`: the client and every grant it holds, at once. */
export const revokeOAuthClient: Handler<Routes['revokeOAuthClient']> = async ({ auth, params, deps }) => {
  const client = await revokeClient(deps.db, auth.org.id, params.id, actorOf(auth));
  if (!client) throw notFound('OAuth client');
  return { status: 200, body: toClientJson(client) };
};
