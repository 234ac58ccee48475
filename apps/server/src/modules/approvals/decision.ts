import type { Approval, DecideApprovalBody, EventType, Step } from '@greenlight/contract';
import { sqlState, type Database, type Queryable } from '../../storage/database.ts';
import type { AuthContext } from '../../http/auth.ts';
import { ApiError, notFound } from '../../http/errors.ts';
import { emergencyStop } from '../../http/router.ts';
import { EVENTS_CHANNEL, notificationOf } from '../../events/event-bus.ts';
import { NOTIFY_DELIVERIES, type ClaimedDelivery } from '../../delivery/outbox.ts';
import type { Preloaded } from '../../delivery/attempt.ts';
import { generateSecret } from '../../delivery/signer.ts';
import type { EventRow } from '../events/webhook-payload.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from './serialize.ts';
import { contentSha256 } from './content-sha256.ts';
import { toStep, type StepRow } from '../steps/serialize-step.ts';

/**
 * The decision path shared by `PATCH /approvals/:id` and `PATCH /approvals/:id/steps/:stepId`.
 *
 * A decision is one statement: `greenlight_decide` (migration 008) locks the request, applies the
 * guards, records the vote, counts it, makes the final transition and writes the events, in one
 * transaction and one round trip. The rules it applies:
 *
 * - Exactly-once (SECURITY.md 33–35): the request row is locked (`FOR UPDATE`) and its org row
 *   share-locked, so concurrent votes on one request queue behind each other and each one sees the
 *   votes committed before it. Under that lock the request is re-checked (still pending, not past
 *   `expires_at`, emergency stop off); the vote is inserted against
 *   `PRIMARY KEY (approval_id, step_order, voter_id)`; the final transition is an
 *   `UPDATE … WHERE status = 'pending' AND not expired`, so even without the lock a second final
 *   transition could not happen. The stop is toggled by an UPDATE of the org row, which waits for
 *   the share lock: a decision in flight either commits before the stop or sees it.
 * - Four-eyes: whoever created a request cannot approve it. Rejecting (withdrawing) it is fine.
 * - Without steps, distinct principals vote until `required_approvals`; one rejection rejects.
 * - With steps, a vote goes to one step (with `is_sequential`, the lowest pending one), completion
 *   means every step approved, and `current_approvals` counts approved votes. A step is decided by
 *   its approver, an admin of the org, or a connection: an automation holding `approvals:write` is
 *   trusted by the org to decide on its behalf, and has no user identity to match `approver_id`.
 *
 * Every decision event carries `approved_content_sha256` (content-sha256.ts) of the request: the
 * content the decision was made on, so an automation can check it executes what was approved. The
 * hashed fields never change after creation, so the hash is computed from a read before the call.
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


/** Roles (issue 4): a person signed in, or acting through an OAuth grant, decides only as admin or approver. */
function assertMayDecide(auth: AuthContext) {
  if (auth.user?.role === 'viewer') throw new ApiError('FORBIDDEN', 'viewers cannot approve or reject requests');
}

/**
 * A final decision's callback, claimed for its first attempt by the deciding process (see
 * DecideOptions), with what the attempt needs from the same statement: the org's signing secrets
 * (current first), and the final event and the request as decided, which its body is built from.
 */
export interface ClaimedCallback extends Preloaded {
  delivery: ClaimedDelivery;
}

export interface Decided {
  approval: Approval;
  step: Step | null;
  callback: ClaimedCallback | null;
}

export interface DecideOptions {
  /**
   * Set when this process runs a delivery worker: a final decision's callback row is claimed for the
   * caller, for this long, in the decision's own transaction; the caller then makes the first attempt.
   */
  claimCallbackForMs?: number;
}

/** The columns of the function's result; composite fields are picked one by one, so names never clash. */
const DECIDE_SQL = `
SELECT ${APPROVAL_COLUMNS},
       (r.step).id AS step_id, (r.step).step_order AS step_order, (r.step).approver_id AS step_approver_id,
       (r.step).status AS step_status, (r.step).decided_at AS step_decided_at, (r.step).decided_by AS step_decided_by,
       (r.step).comment AS step_comment,
       (r.event).id::text AS event_id, (r.event).type AS event_type, (r.event).actor_type AS event_actor_type,
       (r.event).actor_id AS event_actor_id, (r.event).actor_name AS event_actor_name, (r.event).from_status AS event_from_status,
       (r.event).to_status AS event_to_status, (r.event).data AS event_data, (r.event).created_at AS event_created_at,
       r.event_ids, r.event_types,
       (r.delivery).id AS delivery_id, (r.delivery).attempts AS delivery_attempt, (r.delivery).schedule_base AS delivery_schedule_base,
       (r.delivery).url AS delivery_url, (r.delivery).headers AS delivery_headers,
       r.secret, r.previous_secret, r.wake_worker
  FROM greenlight_decide($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) AS r
  LEFT JOIN LATERAL (SELECT (r.approval).*) AS a ON true`;

interface DecideRow extends ApprovalRow {
  step_id: string | null;
  step_order: number | null;
  step_approver_id: string | null;
  step_status: Step['status'] | null;
  step_decided_at: Date | null;
  step_decided_by: string | null;
  step_comment: string | null;
  event_id: string;
  event_type: EventRow['type'];
  event_actor_type: EventRow['actor_type'];
  event_actor_id: string | null;
  event_actor_name: string | null;
  event_from_status: EventRow['from_status'];
  event_to_status: EventRow['to_status'];
  event_data: Record<string, unknown>;
  event_created_at: Date;
  event_ids: string[];
  event_types: EventType[];
  delivery_id: string | null;
  delivery_attempt: number | null;
  delivery_schedule_base: number | null;
  delivery_url: string | null;
  delivery_headers: Record<string, string> | null;
  secret: string | null;
  previous_secret: string | null;
  wake_worker: boolean;
}

/** The refusals the function raises (SQLSTATE GL001: the code as message, details as JSON), as API errors. */
function refusal(err: unknown): ApiError | null {
  if (sqlState(err) !== 'GL001') return null;
  const code = (err as Error).message;
  const raw = (err as { detail?: string }).detail;
  const detail = (raw ? JSON.parse(raw) : {}) as Record<string, string | number | null>;
  const onStep = detail.subject === 'step';
  switch (code) {
    case 'NOT_FOUND':
      return notFound(onStep ? 'step' : 'approval request');
    case 'EMERGENCY_STOP':
      return emergencyStop();
    case 'INVALID_STATUS':
      if (onStep) return new ApiError('INVALID_STATUS', `step is already ${detail.status}`);
      return detail.status
        ? new ApiError('INVALID_STATUS', `approval request is already ${detail.status}`, { status: detail.status })
        : new ApiError('INVALID_STATUS', 'approval request is no longer pending');
    case 'APPROVAL_EXPIRED':
      return new ApiError('APPROVAL_EXPIRED', 'approval request has expired and can no longer be decided');
    case 'SELF_APPROVAL_FORBIDDEN':
      return new ApiError('SELF_APPROVAL_FORBIDDEN', 'the principal that created this request cannot approve it');
    case 'NOT_APPROVER':
      return onStep
        ? new ApiError('NOT_APPROVER', 'only the approver of this step or an admin can decide it')
        : new ApiError('NOT_APPROVER', 'you are not the approver of any pending step of this request');
    case 'ALREADY_VOTED':
      return new ApiError('ALREADY_VOTED', onStep ? 'you have already voted on this step' : 'you have already voted on this approval request');
    case 'STEP_OUT_OF_ORDER':
      return new ApiError('STEP_OUT_OF_ORDER', `step ${detail.step_order} cannot be decided before step ${detail.next_step_order}`, {
        next_step_id: detail.next_step_id!,
        next_step_order: detail.next_step_order!,
      });
    default:
      return null;
  }
}

async function decide(
  db: Database,
  auth: AuthContext,
  approvalId: string,
  stepId: string | null,
  vote: VoteInput,
  options: DecideOptions = {},
): Promise<Decided> {
  assertMayDecide(auth);
  const { rows: content } = await db.query<Pick<ApprovalRow, 'title' | 'description' | 'metadata' | 'changes'>>(
    'SELECT a.title, a.description, a.metadata, a.changes FROM approvals a WHERE a.id = $1 AND a.org_id = $2',
    [approvalId, auth.org.id],
    { prepare: 'decision_content' },
  );
  if (!content[0]) throw notFound();
  const claim = options.claimCallbackForMs;
  let r: DecideRow;
  try {
    const { rows } = await db.query<DecideRow>(
      DECIDE_SQL,
      [
        auth.org.id,
        approvalId,
        stepId,
        auth.principal.type,
        auth.principal.id,
        auth.principal.name,
        auth.user?.id ?? null,
        auth.user?.role ?? null,
        vote.decision,
        vote.comment ?? null,
        vote.source ?? null,
        contentSha256(content[0]),
        claim ?? null,
        claim === undefined ? null : generateSecret(),
      ],
      { prepare: 'decide_approval' },
    );
    r = rows[0]!;
  } catch (err) {
    throw refusal(err) ?? err;
  }

  // The statement has committed: announce its events (see Queryable.notify).
  r.event_ids.forEach((eventId, i) =>
    db.notify(EVENTS_CHANNEL, notificationOf({ orgId: auth.org.id, eventId, approvalId, type: r.event_types[i]! })),
  );
  if (r.wake_worker) db.notify(NOTIFY_DELIVERIES, `event:${r.event_ids.at(-1)}`);

  const approval = toApproval(r);
  const step: StepRow | null =
    r.step_id === null
      ? null
      : {
          id: r.step_id,
          approval_id: approvalId,
          org_id: auth.org.id,
          step_order: r.step_order!,
          approver_id: r.step_approver_id!,
          status: r.step_status!,
          decided_at: r.step_decided_at,
          decided_by: r.step_decided_by,
          comment: r.step_comment,
        };
  const callback: ClaimedCallback | null =
    r.delivery_id === null
      ? null
      : {
          delivery: {
            id: r.delivery_id,
            attempt: r.delivery_attempt!,
            schedule_base: r.delivery_schedule_base!,
            event_id: r.event_id,
            org_id: auth.org.id,
            approval_id: approvalId,
            event_type: r.event_type,
            target: 'callback',
            subscription_id: null,
            url: r.delivery_url!,
            headers: r.delivery_headers ?? {},
            body: null,
          },
          secrets: r.previous_secret ? [r.secret!, r.previous_secret] : [r.secret!],
          body: {
            approval,
            event: {
              id: r.event_id,
              org_id: auth.org.id,
              approval_id: approvalId,
              type: r.event_type,
              actor_type: r.event_actor_type,
              actor_id: r.event_actor_id,
              actor_name: r.event_actor_name,
              from_status: r.event_from_status,
              to_status: r.event_to_status,
              data: r.event_data,
              created_at: r.event_created_at,
            },
          },
        };
  return { approval, step: step && toStep(step), callback };
}

/**
 * `PATCH /approvals/:id`. Without steps the vote counts towards `required_approvals`; with steps it goes
 * to the first pending step the caller may decide (with `is_sequential`, that must be the lowest pending one).
 */
export function decideAndClaimCallback(db: Database, auth: AuthContext, approvalId: string, vote: VoteInput, options: DecideOptions): Promise<Decided> {
  return decide(db, auth, approvalId, null, vote, options);
}

/** `PATCH /approvals/:id` without the callback's inline attempt. */
export async function decideApprovalRequest(db: Database, auth: AuthContext, approvalId: string, vote: VoteInput): Promise<Approval> {
  return (await decide(db, auth, approvalId, null, vote)).approval;
}

/** `PATCH /approvals/:id/steps/:stepId`: a vote on one named step. */
export async function decideApprovalStep(db: Database, auth: AuthContext, approvalId: string, stepId: string, vote: VoteInput): Promise<Step> {
  return (await decide(db, auth, approvalId, stepId, vote)).step!;
}
