import type { Database } from '../../storage/database.ts';
import { SYSTEM_ACTOR } from '../events/append-event.ts';

export const EXPIRY_BATCH_SIZE = 500;

/**
 * One batch in one statement: claim due pending requests (SKIP LOCKED, so several server
 * processes sweep side by side and a request locked by a decision or cancel is left to that
 * transaction, whose own deadline check refuses it), mark them expired and append their events.
 * FOR UPDATE re-checks `status = 'pending'` against the latest committed row, so a request
 * decided since the statement began is not expired.
 */
const EXPIRE_BATCH_SQL = `
WITH due AS (
  SELECT id FROM approvals
   WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= now()
   ORDER BY expires_at
   LIMIT $1
     FOR UPDATE SKIP LOCKED
), expired AS (
  UPDATE approvals a SET status = 'expired', updated_at = now()
    FROM due
   WHERE a.id = due.id
  RETURNING a.id, a.org_id, a.expires_at
), ev AS (
  INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
  SELECT org_id, id, 'approval.expired', $2, $3::uuid, $4, 'pending', 'expired',
         jsonb_build_object('expires_at', to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    FROM expired
)
SELECT count(*)::int AS n FROM expired`;

/** Expires every due request, batch after batch; returns how many it expired. */
export async function expireDue(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(EXPIRE_BATCH_SQL, [EXPIRY_BATCH_SIZE, SYSTEM_ACTOR.type, SYSTEM_ACTOR.id, SYSTEM_ACTOR.name]);
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < EXPIRY_BATCH_SIZE) return total;
  }
}
