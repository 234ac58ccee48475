import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import * as connections from './connections.ts';
import { actorOf } from '../../core/audit.ts';

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
