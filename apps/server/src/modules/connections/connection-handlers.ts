import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { assertSignedIn, assertSignedInAdmin } from '../users/roles.ts';
import * as connections from './connections.ts';

/**
 * `GET /api/v1/connections`: an admin sees every active connection of the org (API keys and every
 * member's OAuth grants); anyone else sees the grants they gave themselves.
 */
export const listConnections: Handler<Routes['listConnections']> = async ({ auth, deps }) => {
  const user = assertSignedIn(auth);
  const rows = await connections.listActiveConnections(deps.db, auth.org.id, user.role === 'admin' ? {} : { ofUser: user.id });
  return {
    status: 200,
    body: { data: rows.map((c) => connections.toConnectionJson(c, c.user_email === null ? null : { email: c.user_email, name: c.user_name })) },
  };
};

/**
 * `POST /api/v1/connections`: a new API key, answered once. API keys are the org's automation
 * credentials, not a person's, so no user is attached.
 */
export const createConnection: Handler<Routes['createConnection']> = async ({ auth, body, deps, log }) => {
  const admin = assertSignedInAdmin(auth);
  const { connection, apiKey } = await connections.createConnection(deps.db, {
    orgId: auth.org.id,
    name: body.name,
    ...(body.scopes ? { scopes: body.scopes } : {}),
    ...(body.rate_limit ? { rateLimit: body.rate_limit } : {}),
  });
  log.info({ org_id: auth.org.id, user_id: admin.id, connection_id: connection.id }, 'connection created');
  return { status: 201, body: { ...connections.toConnectionJson(connection, null), api_key: apiKey } };
};

/**
 * `DELETE /api/v1/connections/{id}`: anyone may revoke their own grants; only admins others'.
 * Someone else's connection answers 404 to a non-admin, as it is absent from their list.
 */
export const revokeConnection: Handler<Routes['revokeConnection']> = async ({ auth, params, deps, log }) => {
  const user = assertSignedIn(auth);
  const revoked = await connections.revokeConnection(deps.db, auth.org.id, params.id, user.role === 'admin' ? {} : { ofUser: user.id });
  if (!revoked) throw notFound('connection');
  log.info({ org_id: auth.org.id, user_id: user.id, connection_id: revoked.id }, 'connection revoked');
  const owner = revoked.user_id
    ? ((await deps.db.query<{ email: string; name: string | null }>('SELECT email, name FROM users WHERE id = $1', [revoked.user_id])).rows[0] ?? null)
    : null;
  return { status: 200, body: connections.toConnectionJson(revoked, owner) };
};
