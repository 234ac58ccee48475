/**
 * Daily digests: the timers job writes each member's digest timer when their digest hour comes
 * (jobs/timers.ts, scheduleDigests); when it fires, it queues a `notify` row that reads what waits for
 * the member when it is sent, through the channels they chose.
 */
import type { Queryable } from '../storage/database.ts';
import { enqueue } from '../delivery/outbox/outbox.ts';
import { NOTIFY } from './notify-spec.ts';

/** Fires one member's digest timer, in its transaction: the digest is queued; what it lists is read when it is sent. */
export async function fireDigest(tx: Queryable, t: { id: string; org_id: string; user_id: string }): Promise<string> {
  const { rows } = await tx.query(`SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2 AND role IN ('approver', 'admin')`, [t.org_id, t.user_id]);
  if (rows.length === 0) return 'no longer an approver';
  await enqueue(tx, NOTIFY, 'digest', [{ orgId: t.org_id, recipientUserId: t.user_id, dedupeKey: `digest:${t.id}`, payload: {} }]);
  return 'digest queued';
}
