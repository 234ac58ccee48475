import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import * as connections from './connections.ts';
import { actorOf } from '../../core/audit.ts';

/**
 * `POST /api/v1/connections`: a new API key, answered once. API keys are the org's automation
 * credentials, not a person's, so no user is attached.
 */
export const createConnection: Handler<Routes['createConnection']> = async ({ auth, body, deps, log }) => {
  const { connection, apiKey } = await connections.createConnection(deps.db, {
    orgId: auth.org.id,
    name: body.name,
    createdByUserId: auth.user?.id ?? null,
    ...(body.scopes ? { scopes: body.scopes } : {}),
    ...(body.rate_limit ? { rateLimit: body.rate_limit } : {}),
    ...(body.rate_limit_window ? { rateLimitWindow: body.rate_limit_window } : {}),
    ...(body.expires_at ? { expiresAt: new Date(body.expires_at) } : {}),
  }, actorOf(auth));
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, connection_id: connection.id }, 'connection created');
  return { status: 201, body: { ...connections.toConnectionJson(connection, null, auth.user), api_key: apiKey } };
};
