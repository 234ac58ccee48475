import type { Database } from '../storage/database.ts';
import type { Principal } from '../context.ts';
import type { OwnerLookup, OwnerLookups } from '../http/authorize.ts';

type OwnerRow = { owner_type: string | null; owner_id: string | null };

const lookup =
  (db: Database, sql: string): OwnerLookup =>
  async (orgId, id) => {
    const { rows } = await db.query<OwnerRow>(sql, [id, orgId]);
    const r = rows[0];
    if (!r) return null;
    const owner: Principal | null =
      (r.owner_type === 'user' || r.owner_type === 'connection') && r.owner_id ? { type: r.owner_type, id: r.owner_id } : null;
    return { owner };
  };

/**
 * Who holds each kind of resource that a route's ownership rule names (the router checks it). Holders
 * never change after creation, so reading before the handler's own transaction decides nothing stale.
 */
export const ownerLookups = (db: Database): OwnerLookups => ({
  approval: lookup(db, `SELECT requested_by_type AS owner_type, requested_by_id AS owner_id FROM approvals WHERE id = $1 AND org_id = $2`),
  subscription: lookup(
    db,
    `SELECT created_by_type AS owner_type, created_by_id AS owner_id FROM webhook_subscriptions WHERE id = $1 AND org_id = $2 AND status <> 'deleted'`,
  ),
  // An OAuth grant is held by the person it acts for; an API key by no person (admins only).
  connection: lookup(db, `SELECT 'user' AS owner_type, user_id AS owner_id FROM connections WHERE id = $1 AND org_id = $2`),
});
