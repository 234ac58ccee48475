import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { ApiError, notFound } from '../../errors.ts';
import { recordAudit } from '../../core/audit.ts';
import { grantById, lockGrant, markRevoked, toGrant } from '../../core/deciders/grant.ts';

/**
 * `POST /api/v1/grants/{id}/revoke`: its giver, an admin, or the owner of its connection (the
 * connection itself too). Committed, it stops the grant on every server at once: creates read grants
 * from the database in their own transaction, and the use they take re-checks `revoked_at` under the
 * grant's row lock, which this change holds until it commits.
 */
export const revokeGrant: Handler<Routes['revokeGrant']> = async ({ params, auth, deps }) => {
  const grant = await deps.db.transaction(async (tx) => {
    const g = await lockGrant(tx, auth.org.id, auth, params.id);
    if (!g) throw notFound('grant');
    if (g.revoked_at !== null) throw new ApiError('INVALID_STATUS', 'the grant was already revoked', { reason: 'already_revoked' });
    await markRevoked(tx, g.id, auth.principal);
    await recordAudit(tx, {
      orgId: auth.org.id,
      actor: { type: auth.principal.type, id: auth.principal.id },
      type: 'grant.revoked',
      target: { type: 'grant', id: g.id },
      details: { given_by: g.given_by, connection_id: g.connection_id, action_type: g.action_type, uses: g.uses, max_uses: g.max_uses },
    });
    return grantById(tx, g.id);
  });
  return { status: 200, body: toGrant(grant, auth) };
};
