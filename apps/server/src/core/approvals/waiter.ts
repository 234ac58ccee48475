import type { Database, Queryable } from '../../storage/database.ts';
import { appendEvent, SYSTEM_ACTOR } from '../events.ts';
import { APPROVAL_JSON, CHANGE_LOCK, IN_ORG, approvalFromJson, type ApprovalRow } from '../approval-record.ts';

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

/** What a long poll writes on the request it waits for: its waiter present, seen now. */
const PRESENT_BY_LONG_POLL = `waiter_state = 'present', waiter_reason = 'waited on by long poll', waiter_since = now(), waiter_checked_at = now()`;

/**
 * A long poll begins: the request as it first reads it (in the org, or undefined), and on a pending
 * request without a callback its waiter present (`noted`), in one statement that commits as it ends.
 * One statement because a long poll's read and its note were two round trips, two pooled connections
 * and two writes to Postgres on every wait; and not in a transaction of the caller's, because that
 * would hold the request's row across a round trip to this process and a turn of its event loop, and
 * the request's decision waits for that row (on a busy waiting replica, for tens of milliseconds). The
 * row is read under CHANGE_LOCK, as a change of the request reads it, so a decision in flight is waited
 * for and the row read is the one it leaves. A request flagged gone is cleared in a transaction with
 * its `approval.waiter_returned` event. `alongside`: a write of the caller's that goes in the same
 * statement (the poll's own row: jobs/waiter-probes.ts), as a CTE that may read `b` (the request's
 * `id` and `org_id`, with `noted`), with `$3` on for its `params`: one statement and one commit for all of it.
 */
export async function readWaitedOnByLongPoll(
  db: Database,
  input: { approvalId: string; orgId: string },
  alongside: { name: string; sql: string; params: unknown[] },
): Promise<{ row: ApprovalRow; noted: boolean } | undefined> {
  const { rows } = await db.query<{ approval: Record<string, unknown>; was: 'present' | 'gone' | null; noted: boolean; marked: boolean }>(
    `WITH b AS (SELECT ${APPROVAL_JSON}, a.id, a.org_id, a.waiter_state AS was, a.status = 'pending' AND a.callback_url IS NULL AS noted
                  FROM approvals a WHERE ${IN_ORG('$1', '$2')} ${CHANGE_LOCK}),
          alongside AS (${alongside.sql}),
          m AS (UPDATE approvals a SET ${PRESENT_BY_LONG_POLL}
                  FROM b
                 WHERE a.id = b.id AND b.noted AND b.was IS NULL
                RETURNING a.id)
     SELECT b.approval, b.was, b.noted, EXISTS (SELECT 1 FROM m) AS marked FROM b`,
    [input.approvalId, input.orgId, ...alongside.params],
    { prepare: `waited_on_by_long_poll_${alongside.name}` },
  );
  const first = rows[0];
  if (!first) return undefined;
  const { was, noted } = first;
  const row = approvalFromJson(first.approval);
  if (noted && was === 'gone') {
    await db.transaction(async (tx) => {
      // CHANGE_LOCK, not FOR UPDATE: a poll row's insert beside this statement key-share-locks the request (its foreign key).
      const { rows: again } = await tx.query<{ was: 'present' | 'gone' | null; marked: boolean }>(
        `WITH b AS (SELECT id, status, callback_url, waiter_state AS was FROM approvals WHERE id = $1 ${CHANGE_LOCK}),
              m AS (UPDATE approvals a SET ${PRESENT_BY_LONG_POLL}
                      FROM b
                     WHERE a.id = b.id AND b.status = 'pending' AND b.callback_url IS NULL AND b.was = 'gone'
                    RETURNING a.id)
         SELECT b.was, EXISTS (SELECT 1 FROM m) AS marked FROM b`,
        [input.approvalId],
        { prepare: 'waiter_returned_by_long_poll' },
      );
      if (again[0]?.marked) await waiterReturned(tx, input.orgId, input.approvalId, { status_code: null, long_poll: true });
    });
  }
  return { row, noted };
}

/** A pending request whose waiter is not known yet says why it never will be (its callback is not probed). */
export async function noteWaiterUnprobed(tx: Queryable, approvalId: string, reason: string): Promise<void> {
  await tx.query(`UPDATE approvals SET waiter_reason = $2 WHERE id = $1 AND status = 'pending' AND waiter_state IS NULL`, [approvalId, reason]);
}

function waiterReturned(tx: Queryable, orgId: string, approvalId: string, data: Record<string, unknown>): Promise<string> {
  return appendEvent(tx, { orgId, approvalId, type: 'approval.waiter_returned', actor: SYSTEM_ACTOR, data });
}
