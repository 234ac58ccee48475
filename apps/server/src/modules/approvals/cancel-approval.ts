import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';
import { actorOf, appendEvent } from '../events/append-event.ts';
import { lockPendingApproval } from './decision.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from './serialize.ts';

/**
 * Cancels a pending request, under the same lock and guards as a decision (found → emergency stop →
 * still pending → not past its deadline, even before the sweeper runs), so a concurrent decision,
 * expiry or emergency stop either committed before this read or waits for it.
 */
export const cancelApproval: Handler<Routes['cancelApproval']> = async ({ params, auth, deps }) => {
  const row = await deps.db.transaction(async (tx) => {
    await lockPendingApproval(tx, auth.org.id, params.id, 'cancelled');
    const updated = await tx.query<ApprovalRow>(
      `UPDATE approvals a SET status = 'cancelled', cancelled_at = now(), updated_at = now()
        WHERE a.id = $1 AND a.org_id = $2
        RETURNING ${APPROVAL_COLUMNS}`,
      [params.id, auth.org.id],
    );
    await appendEvent(tx, {
      orgId: auth.org.id,
      approvalId: params.id,
      type: 'approval.cancelled',
      actor: actorOf(auth),
      from: 'pending',
      to: 'cancelled',
    });
    return updated.rows[0]!;
  });
  return { status: 200, body: toApproval(row) };
};
