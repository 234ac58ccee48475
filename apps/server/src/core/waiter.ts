import type { Queryable } from '../storage/database.ts';
import { appendEvent, SYSTEM_ACTOR } from './events.ts';

/**
 * Flags the request's waiter as gone (once: a request already flagged is left as it is), with an
 * `approval.waiter_gone` event: its fan-out has the person behind the request told, when it is still
 * pending (notify/). The verdict comes from a waiter probe (jobs/waiter-probes.ts) or from the
 * decision's own callback answered 404 or 410 (channels/webhook/). In the caller's transaction, which
 * holds the request's row lock. Returns whether it was flagged now.
 */
export async function markWaiterGone(
  tx: Queryable,
  input: { approvalId: string; reason: string; since: Date; statusCode: number | null; error: string | null },
): Promise<boolean> {
  const { rows } = await tx.query<{ org_id: string; status: string }>(
    `UPDATE approvals SET waiter_state = 'gone', waiter_reason = $2, waiter_since = $3, waiter_checked_at = now()
      WHERE id = $1 AND waiter_state IS DISTINCT FROM 'gone'
      RETURNING org_id, status`,
    [input.approvalId, input.reason, input.since],
  );
  const a = rows[0];
  if (!a) return false;
  await appendEvent(tx, {
    orgId: a.org_id,
    approvalId: input.approvalId,
    type: 'approval.waiter_gone',
    actor: SYSTEM_ACTOR,
    data: { reason: input.reason, since: input.since.toISOString(), status_code: input.statusCode, error: input.error, request_status: a.status },
  });
  return true;
}
