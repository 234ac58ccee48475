import type { Approval, ApprovalStatus, DecideApprovalBody, Decision, Step } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import type { AuthContext } from '../../http/auth.ts';
import { ApiError, notFound } from '../../http/errors.ts';
import { emergencyStop } from '../../http/router.ts';
import { actorOf, appendEvent } from '../events/append-event.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from './serialize.ts';
import { contentSha256 } from './content-sha256.ts';
import { STEP_COLUMNS, toStep, type StepRow } from '../steps/serialize-step.ts';

/**
 * The decision path shared by `PATCH /approvals/:id` and `PATCH /approvals/:id/steps/:stepId`.
 *
 * Exactly-once (SECURITY.md 33–35): every decision runs in one transaction that first locks the
 * request row (`FOR UPDATE`) and share-locks its org row, so concurrent votes on one request queue
 * behind each other and each one sees the votes committed before it. Under that lock the request is
 * re-checked (still pending, not past `expires_at`, emergency stop off), the vote is inserted against
 * `PRIMARY KEY (approval_id, step_order, voter_id)`, approvals are counted, and the final transition
 * is an `UPDATE … WHERE status = 'pending' AND not expired`, so even without the lock a second final
 * transition could not happen. The stop is toggled by an UPDATE of the org row, which waits for the
 * share lock: a decision in flight either commits before the stop or sees it.
 */

/*
 * Every decision event (a vote, a step decision, the final approval or rejection) carries
 * `approved_content_sha256` of the request row locked for it (content-sha256.ts): the content the
 * decision was made on, so an automation can check it executes what was approved.
 */

/** A step vote is the same body without `source`; `source` is recorded on the final event only. */
export type VoteInput = DecideApprovalBody;

export interface LockedApproval extends ApprovalRow {
  emergency_stop: boolean;
  /**
   * Judged with the database clock: `now()`, the transaction's start, which also stamps `decided_at`.
   * A vote that arrived before the deadline but queued behind the row lock still counts, and its
   * `decided_at` is then before `expires_at`, so the record stays consistent.
   */
  expired: boolean;
}

/**
 * Locks a request of the caller's org for a change and applies the guard clauses every change
 * shares, in a fixed order: found → emergency stop off → pending → not expired. A request past
 * `expires_at` is refused even when the expiry sweeper has not marked it `expired` yet.
 */
export async function lockPendingApproval(
  tx: Queryable,
  orgId: string,
  approvalId: string,
  action: 'decided' | 'cancelled' = 'decided',
): Promise<LockedApproval> {
  const { rows } = await tx.query<LockedApproval>(
    `SELECT ${APPROVAL_COLUMNS}, o.emergency_stop,
            (a.expires_at IS NOT NULL AND a.expires_at <= now()) AS expired
       FROM approvals a JOIN orgs o ON o.id = a.org_id
      WHERE a.id = $1 AND a.org_id = $2
        FOR UPDATE OF a FOR SHARE OF o`,
    [approvalId, orgId],
  );
  const row = rows[0];
  if (!row) throw notFound();
  if (row.emergency_stop) throw emergencyStop();
  if (row.status !== 'pending') {
    throw new ApiError('INVALID_STATUS', `approval request is already ${row.status}`, { status: row.status });
  }
  if (row.expired) throw new ApiError('APPROVAL_EXPIRED', `approval request has expired and can no longer be ${action}`);
  return row;
}

/** Four-eyes: whoever created a request cannot approve it. Rejecting (withdrawing) it is fine. */
function assertNotSelfApproval(a: ApprovalRow, auth: AuthContext, decision: Decision) {
  if (decision !== 'approve') return;
  if (a.requested_by_type === auth.principal.type && a.requested_by_id === auth.principal.id) {
    throw new ApiError('SELF_APPROVAL_FORBIDDEN', 'the principal that created this request cannot approve it');
  }
}

/** Roles (issue 4): a person signed in, or acting through an OAuth grant, decides only as admin or approver. */
function assertMayDecide(auth: AuthContext) {
  if (auth.user?.role === 'viewer') throw new ApiError('FORBIDDEN', 'viewers cannot approve or reject requests');
}

/**
 * Who may decide a step: its approver, an admin of the org, or a connection. API connections act
 * with admin privileges for steps: an automation holding `approvals:write` is trusted by the org
 * to decide on its behalf, and a connection has no user identity that could match `approver_id`.
 */
function mayDecideStep(step: StepRow, auth: AuthContext): boolean {
  if (auth.principal.type === 'connection') return true;
  if (!auth.user) return false;
  return auth.user.role === 'admin' || step.approver_id === auth.user.id;
}

async function loadSteps(tx: Queryable, approvalId: string): Promise<StepRow[]> {
  const { rows } = await tx.query<StepRow>(
    `SELECT ${STEP_COLUMNS} FROM approval_steps s WHERE s.approval_id = $1 ORDER BY s.step_order`,
    [approvalId],
  );
  return rows;
}

/** Inserts one vote; false when this principal already voted on this request (or step). */
async function insertVote(tx: Queryable, approvalId: string, stepOrder: number, auth: AuthContext, vote: VoteInput): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO approval_votes (approval_id, step_order, voter_type, voter_id, decision, comment)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING`,
    [approvalId, stepOrder, auth.principal.type, auth.principal.id, vote.decision, vote.comment ?? null],
  );
  return rowCount === 1;
}

async function countApprovals(tx: Queryable, approvalId: string): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM approval_votes WHERE approval_id = $1 AND decision = 'approve'`,
    [approvalId],
  );
  return rows[0]!.n;
}

/** Records a vote that leaves the request pending. */
async function recordProgress(tx: Queryable, a: ApprovalRow, currentApprovals: number): Promise<ApprovalRow> {
  const { rows } = await tx.query<ApprovalRow>(
    `UPDATE approvals a SET current_approvals = $2, updated_at = now()
      WHERE a.id = $1 AND a.status = 'pending'
      RETURNING ${APPROVAL_COLUMNS}`,
    [a.id, currentApprovals],
  );
  return rows[0]!;
}

/**
 * The final transition pending → approved/rejected. The WHERE clause repeats the status and expiry
 * checks (SECURITY.md 33) so that the transition is exactly-once by itself, not only by the lock.
 */
async function finalize(
  tx: Queryable,
  a: ApprovalRow,
  auth: AuthContext,
  to: Extract<ApprovalStatus, 'approved' | 'rejected'>,
  vote: VoteInput,
  currentApprovals: number,
): Promise<ApprovalRow> {
  const { rows } = await tx.query<ApprovalRow>(
    `UPDATE approvals a
        SET status = $2, current_approvals = $3, decided_at = now(), decided_by = $4, decided_by_type = $5,
            decision_comment = $6, updated_at = now()
      WHERE a.id = $1 AND a.status = 'pending' AND (a.expires_at IS NULL OR a.expires_at > now())
      RETURNING ${APPROVAL_COLUMNS}`,
    [a.id, to, currentApprovals, auth.principal.id, auth.principal.type, vote.comment ?? null],
  );
  const updated = rows[0];
  if (!updated) throw new ApiError('INVALID_STATUS', 'approval request is no longer pending');
  await appendEvent(tx, {
    orgId: a.org_id,
    approvalId: a.id,
    type: to === 'approved' ? 'approval.approved' : 'approval.rejected',
    actor: actorOf(auth),
    from: 'pending',
    to,
    data: {
      decision: vote.decision,
      comment: vote.comment ?? null,
      source: vote.source ?? null,
      current_approvals: currentApprovals,
      approved_content_sha256: contentSha256(a),
    },
  });
  return updated;
}

/** One vote on a request without steps: distinct principals until `required_approvals`; one rejection rejects. */
async function voteOnRequest(tx: Queryable, a: ApprovalRow, auth: AuthContext, vote: VoteInput): Promise<ApprovalRow> {
  if (!(await insertVote(tx, a.id, 0, auth, vote))) {
    throw new ApiError('ALREADY_VOTED', 'you have already voted on this approval request');
  }
  const current = await countApprovals(tx, a.id);
  if (vote.decision === 'reject') return finalize(tx, a, auth, 'rejected', vote, current);
  if (current >= a.required_approvals) return finalize(tx, a, auth, 'approved', vote, current);

  const updated = await recordProgress(tx, a, current);
  await appendEvent(tx, {
    orgId: a.org_id,
    approvalId: a.id,
    type: 'approval.vote_recorded',
    actor: actorOf(auth),
    data: { decision: vote.decision, comment: vote.comment ?? null, current_approvals: current, approved_content_sha256: contentSha256(a) },
  });
  return updated;
}

/**
 * A vote on one step of a request that has steps. With steps configured, completion means "every step
 * approved"; `required_approvals` no longer applies and `current_approvals` counts approved votes.
 */
async function decideStep(
  tx: Queryable,
  a: ApprovalRow,
  steps: StepRow[],
  step: StepRow,
  auth: AuthContext,
  vote: VoteInput,
): Promise<{ approval: ApprovalRow; step: StepRow }> {
  if (a.is_sequential) {
    const first = steps.find((s) => s.status === 'pending');
    if (first && first.id !== step.id) {
      throw new ApiError('STEP_OUT_OF_ORDER', `step ${step.step_order} cannot be decided before step ${first.step_order}`, {
        next_step_id: first.id,
        next_step_order: first.step_order,
      });
    }
  }
  if (!(await insertVote(tx, a.id, step.step_order, auth, vote))) {
    throw new ApiError('ALREADY_VOTED', 'you have already voted on this step');
  }
  const { rows } = await tx.query<StepRow>(
    `UPDATE approval_steps s SET status = $2, decided_at = now(), decided_by = $3, comment = $4
      WHERE s.id = $1 AND s.status = 'pending'
      RETURNING ${STEP_COLUMNS}`,
    [step.id, vote.decision === 'approve' ? 'approved' : 'rejected', auth.principal.id, vote.comment ?? null],
  );
  const decided = rows[0];
  if (!decided) throw new ApiError('INVALID_STATUS', `step is already ${step.status}`);
  await appendEvent(tx, {
    orgId: a.org_id,
    approvalId: a.id,
    type: 'step.decided',
    actor: actorOf(auth),
    data: {
      step_id: step.id,
      step_order: step.step_order,
      decision: vote.decision,
      comment: vote.comment ?? null,
      approved_content_sha256: contentSha256(a),
    },
  });

  const current = await countApprovals(tx, a.id);
  if (vote.decision === 'reject') return { approval: await finalize(tx, a, auth, 'rejected', vote, current), step: decided };
  const allApproved = steps.every((s) => s.id === step.id || s.status === 'approved');
  if (allApproved) return { approval: await finalize(tx, a, auth, 'approved', vote, current), step: decided };
  return { approval: await recordProgress(tx, a, current), step: decided };
}

/**
 * `PATCH /approvals/:id`. Without steps the vote counts towards `required_approvals`; with steps it goes
 * to the first pending step the caller may decide (with `is_sequential`, that must be the lowest pending one).
 */
export async function decideApprovalRequest(db: Database, auth: AuthContext, approvalId: string, vote: VoteInput): Promise<Approval> {
  assertMayDecide(auth);
  const row = await db.transaction(async (tx) => {
    const a = await lockPendingApproval(tx, auth.org.id, approvalId);
    assertNotSelfApproval(a, auth, vote.decision);
    const steps = await loadSteps(tx, a.id);
    if (steps.length === 0) return voteOnRequest(tx, a, auth, vote);

    const step = steps.find((s) => s.status === 'pending' && mayDecideStep(s, auth));
    if (!step) throw new ApiError('NOT_APPROVER', 'you are not the approver of any pending step of this request');
    return (await decideStep(tx, a, steps, step, auth, vote)).approval;
  });
  return toApproval(row);
}

/** `PATCH /approvals/:id/steps/:stepId`: a vote on one named step. */
export async function decideApprovalStep(
  db: Database,
  auth: AuthContext,
  approvalId: string,
  stepId: string,
  vote: VoteInput,
): Promise<Step> {
  assertMayDecide(auth);
  const decided = await db.transaction(async (tx) => {
    const a = await lockPendingApproval(tx, auth.org.id, approvalId);
    const steps = await loadSteps(tx, a.id);
    const step = steps.find((s) => s.id === stepId);
    if (!step) throw notFound('step');
    assertNotSelfApproval(a, auth, vote.decision);
    if (step.status !== 'pending') throw new ApiError('INVALID_STATUS', `step is already ${step.status}`);
    if (!mayDecideStep(step, auth)) throw new ApiError('NOT_APPROVER', 'only the approver of this step or an admin can decide it');
    return (await decideStep(tx, a, steps, step, auth, vote)).step;
  });
  return toStep(decided);
}
