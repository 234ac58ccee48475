import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { actorOf } from '../../core/audit.ts';
import { validationError } from '../../http/errors.ts';
import { CreateOAuthClientInput, createOAuthClient as registerClient, toClientJson } from './clients.ts';

/** `POST /api/v1/oauth-clients`: the secret is answered once. */
export const createOAuthClient: Handler<Routes['createOAuthClient']> = async ({ auth, body, deps }) => {
  // The contract checks the shape; the redirect URI rules (https, no fragment…) live with the clients.
  const input = CreateOAuthClientInput.safeParse(body);
  if (!input.success) throw validationError(input.error, 'body', body);
  const { client, clientSecret } = await registerClient(deps.db, auth.org.id, input.data, actorOf(auth));
  return { status: 201, body: { ...toClientJson(client), client_secret: clientSecret } };
};
