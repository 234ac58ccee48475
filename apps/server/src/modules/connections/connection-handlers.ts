import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import * as connections from './connections.ts';
import { actorOf } from '../../core/audit.ts';

/**
 * `GET /api/v1/connections`: an admin sees every active connection of the org (API keys and every
 * member's OAuth grants); anyone else sees the grants they gave themselves (`ownedBy`, set by the router).
 */
export const listConnections: Handler<Routes['listConnections']> = async ({ auth, ownedBy, deps }) => {
  const rows = await connections.listActiveConnections(deps.db, auth.org.id, ownedBy ? { ofUser: ownedBy.id } : {});
  return {
    status: 200,
    body: {
      data: rows.map((c) =>
        connections.toConnectionJson(
          c,
          c.user_email === null ? null : { email: c.user_email, name: c.user_name },
          c.creator_email === null ? null : { email: c.creator_email, name: c.creator_name },
        ),
      ),
    },
  };
};

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
  }, actorOf(auth));
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, connection_id: connection.id }, 'connection created');
  return { status: 201, body: { ...connections.toConnectionJson(connection, null, auth.user), api_key: apiKey } };
};

/**
 * `DELETE /api/v1/connections/{id}`: anyone may revoke their own grants; only admins others' (the
 * router answers 404 to a non-admin for someone else's, as it is absent from their list).
 */
export const revokeConnection: Handler<Routes['revokeConnection']> = async ({ auth, ownedBy, params, deps, log }) => {
  const revoked = await connections.revokeConnection(deps.db, auth.org.id, params.id, { ...(ownedBy ? { ofUser: ownedBy.id } : {}), actor: actorOf(auth) });
  if (!revoked) throw notFound('connection');
  log.info({ org_id: auth.org.id, user_id: auth.principal.id, connection_id: revoked.id }, 'connection revoked');
  const person = async (id: string | null) =>
    id ? ((await deps.db.query<{ email: string; name: string | null }>('SELECT email, name FROM users WHERE id = $1', [id])).rows[0] ?? null) : null;
  return { status: 200, body: connections.toConnectionJson(revoked, await person(revoked.user_id), await person(revoked.created_by_user_id)) };
};
