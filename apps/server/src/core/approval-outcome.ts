import type { Queryable } from '../storage/database.ts';
import type { ApprovalRow } from './approval-record.ts';

/** How a request that left `pending` ended, as people are told (a used decision link, a Slack message). */
export interface Closed {
  status: Exclude<ApprovalRow['status'], 'pending'>;
  /** Who decided or cancelled it; null when Greenlight did (an expiry). */
  by: string | null;
  at: Date | null;
}

/** The events that end a request; a revocation ends an approval as a rejection (by whoever revoked it). */
export const FINAL_EVENTS = ['approval.approved', 'approval.rejected', 'approval.cancelled', 'approval.expired', 'approval.revoked'] as const;

/** How `a` ended (its final event), or null while it is pending. */
export async function closedOf(db: Queryable, a: Pick<ApprovalRow, 'id' | 'status' | 'decided_at' | 'cancelled_at' | 'expired_at'>): Promise<Closed | null> {
  if (a.status === 'pending') return null;
  const { rows } = await db.query<{ actor_name: string | null; actor_type: string; created_at: Date }>(
    `SELECT actor_name, actor_type, created_at FROM events WHERE approval_id = $1 AND type = ANY ($2::text[]) ORDER BY id DESC LIMIT 1`,
    [a.id, FINAL_EVENTS],
  );
  const e = rows[0];
  return { status: a.status, by: e && e.actor_type !== 'system' ? e.actor_name : null, at: e?.created_at ?? a.decided_at ?? a.cancelled_at ?? a.expired_at };
}
