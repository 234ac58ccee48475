import type { Database, Queryable } from '../../storage/database.ts';
import { appendEvent, SYSTEM_ACTOR } from '../events.ts';
import { CHANGE_LOCK } from '../approval-record.ts';

/**
 * What the request says about whoever waits for its answer (`waiter_*` of approvals), as waiter
 * probes (jobs/waiter-probes.ts), long polls and a callback's own answer find it. Each function runs
 * in the caller's transaction, which holds the request's row lock where it read the request first.
 */

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

/** A probe that says nothing new: only when the waiter was last looked at. */
export async function noteWaiterChecked(tx: Queryable, approvalId: string): Promise<void> {
  await tx.query('UPDATE approvals SET waiter_checked_at = now() WHERE id = $1', [approvalId]);
}

/**
 * Someone answered at the callback: the waiter is present (since the first such answer), and a
 * waiter flagged gone before has returned (`approval.waiter_returned`).
 */
export async function markWaiterPresent(
  tx: Queryable,
  input: { approvalId: string; orgId: string; reason: string; wasGone: boolean; statusCode: number | null },
): Promise<void> {
  await tx.query(
    `UPDATE approvals SET waiter_state = 'present', waiter_reason = $2, waiter_checked_at = now(),
            waiter_since = CASE WHEN waiter_state = 'present' THEN waiter_since ELSE now() END
      WHERE id = $1`,
    [input.approvalId, input.reason],
  );
  if (input.wasGone) await waiterReturned(tx, input.orgId, input.approvalId, { status_code: input.statusCode });
}

/**
 * The target answers but cannot say whether anyone waits. With `clearSilence` (a flag raised because
 * it had fallen silent) the flag is cleared and the waiter has returned; otherwise a flag raised on
 * its own word stays, and a waiter not known yet says why.
 */
export async function markWaiterInconclusive(
  tx: Queryable,
  input: { approvalId: string; orgId: string; reason: string; clearSilence: boolean; statusCode: number | null },
): Promise<void> {
  await tx.query(
    `UPDATE approvals SET waiter_checked_at = now(),
            waiter_state = CASE WHEN $3 THEN NULL ELSE waiter_state END,
            waiter_since = CASE WHEN $3 THEN NULL ELSE waiter_since END,
            waiter_reason = CASE WHEN $3 OR waiter_state IS NULL THEN $2 ELSE waiter_reason END
      WHERE id = $1`,
    [input.approvalId, input.reason, input.clearSilence],
  );
  if (input.clearSilence) await waiterReturned(tx, input.orgId, input.approvalId, { status_code: input.statusCode });
}

/**
 * A long poll began on a pending request without a callback: its waiter is present, and one flagged
 * gone has returned. Not in a transaction of the caller's: a request not flagged gone (nearly every
 * one) is marked by one statement that commits as it ends, because a transaction would hold the
 * request's row across a round trip to this process and a turn of its event loop, and the request's
 * decision waits for that row (on a busy waiting replica, for tens of milliseconds). One flagged gone
 * is cleared in a transaction with its `approval.waiter_returned` event. `alongside`: a write of the
 * caller's that goes in the same statement (the poll's own row: jobs/waiter-probes.ts), as a CTE whose
 * text uses `$1` for the request and `$3` on for its `params`: one statement and one commit for both.
 */
export async function markWaitedOnByLongPoll(
  db: Database,
  input: { approvalId: string; orgId: string },
  alongside?: { name: string; sql: string; params: unknown[] },
): Promise<void> {
  // clearGone false: a request flagged gone is left for the transaction below, which says it returned.
  // CHANGE_LOCK, not FOR UPDATE: a poll row's insert (alongside, or beside this statement) key-share-locks the request (its foreign key).
  const mark = (q: Queryable, clearGone: boolean, also?: typeof alongside) =>
    q.query<{ was: 'present' | 'gone' | null; marked: boolean }>(
      `WITH ${also ? `alongside AS (${also.sql}), ` : ''}b AS (SELECT id, status, callback_url, waiter_state AS was FROM approvals WHERE id = $1 ${CHANGE_LOCK}),
            m AS (UPDATE approvals a SET waiter_state = 'present', waiter_reason = 'waited on by long poll', waiter_since = now(), waiter_checked_at = now()
                    FROM b
                   WHERE a.id = b.id AND b.status = 'pending' AND b.callback_url IS NULL
                     AND (b.was IS NULL OR ($2 AND b.was = 'gone'))
                  RETURNING a.id)
       SELECT b.was, EXISTS (SELECT 1 FROM m) AS marked FROM b`,
      [input.approvalId, clearGone, ...(also?.params ?? [])],
      { prepare: also ? `waited_on_by_long_poll_${also.name}` : 'waited_on_by_long_poll' },
    );
  const { rows } = await mark(db, false, alongside);
  if (rows[0]?.was !== 'gone') return;
  await db.transaction(async (tx) => {
    const again = (await mark(tx, true)).rows[0];
    if (again?.marked && again.was === 'gone') await waiterReturned(tx, input.orgId, input.approvalId, { status_code: null, long_poll: true });
  });
}

/** A pending request whose waiter is not known yet says why it never will be (its callback is not probed). */
export async function noteWaiterUnprobed(tx: Queryable, approvalId: string, reason: string): Promise<void> {
  await tx.query(`UPDATE approvals SET waiter_reason = $2 WHERE id = $1 AND status = 'pending' AND waiter_state IS NULL`, [approvalId, reason]);
}

function waiterReturned(tx: Queryable, orgId: string, approvalId: string, data: Record<string, unknown>): Promise<string> {
  return appendEvent(tx, { orgId, approvalId, type: 'approval.waiter_returned', actor: SYSTEM_ACTOR, data });
}
