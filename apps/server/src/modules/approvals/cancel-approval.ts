import type { ApprovalStatus, Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';
import { emergencyStop } from '../../http/router.ts';
import { ApiError, notFound } from '../../http/errors.ts';
import { actorOf, appendEvent } from '../events/append-event.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from './serialize.ts';

/**
 * Cancels a pending request. The approval row is locked (FOR UPDATE) and the org row share-locked,
 * so a concurrent decision, expiry or emergency stop either committed before this read or waits for
 * it: every check below sees the state the update is applied to. Guards run in a fixed order:
 * found → emergency stop → still pending → not past its deadline (even before the sweeper runs).
 */
export const cancelApproval: Handler<Routes['cancelApproval']> = async ({ params, auth, deps }) => {
  const row = await deps.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ status: ApprovalStatus; past_deadline: boolean; emergency_stop: boolean }>(
      `SELECT a.status, COALESCE(a.expires_at <= now(), false) AS past_deadline, o.emergency_stop
         FROM approvals a JOIN orgs o ON o.id = a.org_id
        WHERE a.id = $1 AND a.org_id = $2
          FOR UPDATE OF a FOR SHARE OF o`,
      [params.id, auth.org.id],
    );
    const current = rows[0];
    if (!current) throw notFound();
    if (current.emergency_stop) throw emergencyStop();
    if (current.status !== 'pending') {
      throw new ApiError('INVALID_STATUS', `approval request is already ${current.status}`, { status: current.status });
    }
    if (current.past_deadline) throw new ApiError('APPROVAL_EXPIRED', 'approval request has expired');

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
