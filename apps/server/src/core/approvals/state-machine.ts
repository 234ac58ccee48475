/**
 * The approval state machine: every transition of a request, and every rule that decides whether it
 * may happen. Handlers (modules/approvals, modules/steps) call these through index.ts, which lists
 * every transition of core/approvals; nothing else changes a request's status. Each transition is
 * one statement (a function in storage/functions/, kept for the session's plan cache), so a rule is
 * checked under the lock it depends on and a refusal rolls back everything.
 *
 *   create      → pending            greenlight_create_approvals / _approval (create-batch.ts)
 *   vote        pending → pending    greenlight_decide: a vote that completes nothing
 *               pending → approved   … the last approval needed
 *               pending → rejected   … any rejection
 *   step vote   the same, on one step (greenlight_decide with a step)
 *   cancel      pending → cancelled  greenlight_cancel
 *   expire      pending → expired    expireDue, when `expires_at` passes and on_expiry = expire
 *   auto-decide pending → approved / rejected, by the system, when on_expiry = approve / reject
 *   policy      → approved / rejected at create, by a policy of the org (auto-decide.ts), in the create's transaction
 *   grant       → approved at create, by a person's standing grant (auto-decide.ts), its use counted in the create's transaction
 *   receipt     approved → approved  reportExecution: the automation's execution receipt
 *   revoke      approved → rejected  revoke: an approver who approved (any approving vote, not only the
 *                                    one that completed it; greenlight_approved_by) or an admin rescinds
 *                                    it within `revocable_for_seconds` of the approval, before any receipt
 *
 * The rules (each written once in storage/functions/greenlight_rules.sql, whose greenlight_viewer_can
 * tells a viewer beforehand what these allow them, as `viewer_can`; core/approvals/rules.ts calls them):
 * - Guard (greenlight_lock_pending.sql), before any vote, cancellation or step change, in this order:
 *   the request exists in the caller's org → the org's emergency stop is off → it is still `pending`
 *   → it is not past `expires_at` (judged by the database clock, even before the sweep marks it).
 *   The request row is locked and its org row share-locked, so changes of one request queue behind
 *   each other and the stop either committed first or waits.
 * - Who may cancel a request or reassign its steps (greenlight_manager_refusal): its requester or an
 *   admin; anyone else is refused (403) before the guard, whatever the request's status.
 * - Create: refused while the emergency stop is on (the org row is share-locked by the insert). An
 *   idempotency key already used in the org makes no second request (the handler replays the first).
 * - Who may decide (greenlight_step_access): a viewer never. Without steps, any approver, admin or
 *   connection holding `approvals:write`. With steps, the people the step asks: named, or members of a
 *   team it names as the team is when they vote (greenlight_step_people). An admin, or an API key (an
 *   automation trusted by the org, with no person to be asked), decides a step that does not ask them
 *   only when the org allows the admin override; each use is marked on the step's event
 *   (`admin_override: true`) and written to the audit log. With the org's `resolve_policy: admin_only`,
 *   admins decide every request and nobody else any. Each refusal carries its reason
 *   (DECISION_REFUSAL_REASONS in the contract).
 * - Delegation (greenlight_stand_in): while a member's out-of-office window is open, whatever asks them
 *   asks their delegate instead (a member who may decide and is not away too: one hop, no chain, no
 *   cycle), pending steps included; the member is not asked meanwhile. A delegate asked only in
 *   someone's place votes for them (`on_behalf_of` on the vote, its event, the results and the audit
 *   log); one asked in their own right too votes as themselves. Standing in for the requester never
 *   lets anyone approve.
 * - Reassignment (steps.ts, reassignApprovalStep): the requester or an admin makes a pending step ask
 *   other people or teams, behind the same guard; votes already cast on it stay and count.
 * - A step's quorum: `quorum` approving votes (one per person, whatever credential), or every person
 *   it asks but the requester (null quorum: all); one rejection rejects it (greenlight_step_approved).
 * - A flow run: its steps are copied from the flow version it starts (greenlight_create_approvals), in
 *   order; each step's time limit starts when it becomes active and moves `expires_at` (within the run's
 *   own deadline), so the expiry sweep applies the run's `on_expiry` to a step that waited too long.
 * - Counters: with steps, `required_approvals` is the number of steps and `current_approvals` the
 *   steps approved.
 * - Four-eyes: whoever created a request cannot approve it, nor any of its steps, nor can the person
 *   behind the credential that created it (their OAuth grant), even when a team of theirs is asked.
 *   Rejecting (withdrawing) it is fine.
 * - Without steps, distinct principals vote until `required_approvals` (one vote each:
 *   PRIMARY KEY (approval_id, step_order, voter_id)); one rejection rejects.
 * - With steps, a vote goes to one step: the named one, or else the first pending one the caller may
 *   decide; with `is_sequential`, only the lowest pending step may be decided. The request is approved
 *   when every step is.
 * - Exactly once: the final transition repeats the status and deadline checks in its own WHERE.
 * - Every decision event carries `approved_content_sha256` (approval-record.ts) of the request: the
 *   content the decision was made on, with the approving vote's edits applied. The hashed fields never
 *   change after creation, so the hash is computed from a read before the statement; for a request
 *   that asks for no input it is recorded at create, and a vote without input takes it from the row
 *   in the statement itself, with no read before (`fast`, greenlight_decide.sql).
 * - Answers (core/answers.ts, docs/answers.md): an approving vote's `response` and `edits` are checked
 *   against the request's `response_schema` and `editable` (an approve without an answer passes only
 *   when the defaults answer); a wrong one is refused (400) after every other check, deciding nothing.
 *   Each vote's answer is in its events; the vote that approves writes its own to the request. An
 *   auto-decision never invents input: policies need `@answers("defaults")` and defaults that answer,
 *   grants never approve a request with a schema, an expiry approves with the defaults (create refuses
 *   `on_expiry: approve` without them).
 * - Expiry: a due request is claimed with CHANGE_LOCK, SKIP LOCKED (several processes sweep side by
 *   side; a request locked by a decision or cancellation is left to it, and its own guard refuses it;
 *   a row being written that only refers to the request, such as a delivery, does not hide it), then
 *   its `on_expiry` applies: `expire` → expired; `approve` / `reject` → a final decision by the system
 *   (decided_by null, decided_by_type 'system'), stamped at the sweep, with `reason: 'expired'`.
 * - Events: every transition writes its events in the same statement; the fan-out trigger queues
 *   their deliveries (storage/functions/events_fan_out.sql). Once the statement has committed the
 *   events are announced (Queryable.notify), and the delivery workers are woken when a delivery was
 *   queued for them: only then (DeliveryWorker, delivery/outbox/worker.ts).
 */
import { checkAnswer, type Approval, type ApprovalStatus, type DecideApprovalBody, type DecisionRefusalReason, type EventType, type ReportExecutionBody, type RevokeApprovalBody, type Step, type ViewerCan } from '@greenlight/contract';
import { sideBySide, sqlState, type Database, type Queryable } from '../../storage/database.ts';
import { isDatabase } from '../../storage/batcher.ts';
import { ApiError, emergencyStop, notFound } from '../../errors.ts';
import { DELIVERIES_CHANNEL, EVENTS_CHANNEL, notificationOf } from '../../events/event-bus.ts';
import { APPROVAL_COLUMNS, approvalFromJson, CHANGE_LOCK, contentSha256, IN_ORG, revocableUntil, toApproval, type ApprovalRow } from '../approval-record.ts';
import { actorOf, appendEvent, eventFromJson, isOutcomeEvent, SYSTEM_ACTOR, type Caller, type EventRow } from '../events.ts';
import { STEP_COLUMNS, toStep, type StepRow } from '../step-record.ts';
import { createBatcherOf, type CreateItem, type CreateResult, type ReadBehind } from './create-batch.ts';
import type { RunStepRow } from '../run.ts';
import { wellFormed } from '../text.ts';
import { secretKeys } from '../../security/sealed.ts';
import { approvedBySql, askerFacts, viewerCan, type Asker, type CanColumns } from './rules.ts';
import { STEP_UP_REASON, stepUpFactsSql, stepUpMissingIn, stepUpSessionOf, type StepUpFacts } from './step-up.ts';
import { createDecided, type AutoDecision, type InTransactionDecider, type ReadInCreate } from './auto-decide.ts';
import { checkVoteAnswer, type AnswerRefusal, type VoteAnswer } from '../answers.ts';

/** Refusals of the transitions' SQL (SQLSTATE GL001: the API error code as message, details as JSON in DETAIL). */
function refusal(err: unknown, action: 'decided' | 'cancelled'): ApiError | null {
  if (sqlState(err) !== 'GL001') return null;
  const code = (err as Error).message;
  const raw = (err as { detail?: string }).detail;
  const detail = (raw ? JSON.parse(raw) : {}) as Record<string, string | number | null>;
  const onStep = detail.subject === 'step';
  // The refusal in the words viewer_can showed beforehand (greenlight_vote_refusal), when it has them.
  const said = typeof detail.text === 'string' ? { text: detail.text } : {};
  switch (code) {
    case 'NOT_FOUND':
      return notFound(onStep ? 'step' : 'approval request');
    case 'EMERGENCY_STOP':
      return emergencyStop();
    case 'FORBIDDEN':
      // Someone else's request (greenlight_require_manager), in the words viewer_can showed beforehand.
      return new ApiError('FORBIDDEN', 'only the requester of this request or an admin can do this', said);
    case 'INVALID_STATUS':
      if (onStep) return new ApiError('INVALID_STATUS', `step is already ${detail.status}`, { reason: 'not_pending', status: detail.status });
      return detail.status
        ? new ApiError('INVALID_STATUS', `approval request is already ${detail.status}`, { reason: 'not_pending', status: detail.status })
        : new ApiError('INVALID_STATUS', 'approval request is no longer pending', { reason: 'not_pending' });
    case 'APPROVAL_EXPIRED':
      return new ApiError('APPROVAL_EXPIRED', `approval request has expired and can no longer be ${action}`, { reason: 'expired' });
    case 'SELF_APPROVAL_FORBIDDEN':
      return new ApiError('SELF_APPROVAL_FORBIDDEN', 'the principal that created this request cannot approve it', { reason: 'requester', ...said });
    case 'NOT_APPROVER': {
      const reason = (detail.reason ?? 'not_asked') as DecisionRefusalReason;
      const what = onStep ? 'this step' : 'any pending step of this request';
      const message: Partial<Record<DecisionRefusalReason, string>> = {
        not_asked: `you are not asked to decide ${what}: neither named nor in a team it names`,
        admin_override_off: `${what} does not ask you, and this organization does not allow the admin override`,
        admin_only: 'only admins decide requests in this organization (resolve_policy: admin_only)',
      };
      return new ApiError('NOT_APPROVER', message[reason] ?? message.not_asked!, { reason, ...said });
    }
    case 'ALREADY_VOTED':
      return new ApiError('ALREADY_VOTED', onStep ? 'you have already voted on this step' : 'you have already voted on this approval request', {
        reason: 'already_voted',
        ...said,
      });
    case 'STEP_UP_REQUIRED':
      return new ApiError('STEP_UP_REQUIRED', 'this request must be decided on the dashboard after confirming with your passkey', {
        reason: 'step_up_required',
        text: STEP_UP_REASON,
      });
    case 'INVALID_ANSWER': {
      // The refusal core/answers.ts worded, raised by greenlight_decide once nothing else refused.
      const r = detail as unknown as AnswerRefusal;
      return new ApiError('VALIDATION_ERROR', r.message, r.details);
    }
    case 'STEP_OUT_OF_ORDER':
      return new ApiError('STEP_OUT_OF_ORDER', `step ${detail.step_order} cannot be decided before step ${detail.next_step_order}`, {
        reason: 'step_out_of_order',
        next_step_id: detail.next_step_id!,
        next_step_order: detail.next_step_order!,
        ...said,
      });
    default:
      return null;
  }
}

/**
 * Announces what a committed statement wrote: its events to every listener, and queued deliveries to
 * the worker. An outcome (the events a callback is sent) is what waiters and callbacks hold for, on
 * this replica or another: it is announced at once, the rest gathered (Queryable.notify). `announced`:
 * the outcome was announced by the statement's follower (ANNOUNCE_OUTCOME) and is not sent again.
 */
function announce(db: Queryable, orgId: string, approvalId: string, events: { id: string; type: EventType }[], wakeWorker: boolean, announced = false): void {
  const urgent = events.some((e) => isOutcomeEvent(e.type));
  for (const e of events) {
    if (announced && isOutcomeEvent(e.type)) continue;
    db.notify(EVENTS_CHANNEL, notificationOf({ orgId, eventId: e.id, approvalId, type: e.type }), urgent);
  }
  if (wakeWorker && events.length > 0) db.notify(DELIVERIES_CHANNEL, `event:${events.at(-1)!.id}`, urgent);
}

// ——— create ———————————————————————————————————————————————————————————————————————————————————————

/** What the caller asks for; who asks (org, requester) comes from the caller. */
export type NewRequest = Omit<CreateItem, 'org_id' | 'requested_by_type' | 'requested_by_id' | 'requested_by_name'>;

export type CreateOutcome =
  /**
   * `decided`: the auto-decision made in the create's transaction, if any (core/deciders). `notify`:
   * the `notify` row claimed for the caller's first attempt (`claimNotifyMs`), as JSON. `can`: what
   * `answerFor` may do with the request, as the rule's columns (rules.ts viewerCanOfRow); `runSteps`:
   * with it, the steps of a request that has some, as its run shows them (run.ts runOf).
   */
  | { kind: 'created'; approval: ApprovalRow; decided?: AutoDecision | null; notify?: Record<string, unknown> | null; can?: CanColumns | null; runSteps?: RunStepRow[] | null }
  | { kind: 'stopped' }
  /** The idempotency key is taken in this org: the request that holds it is the answer. */
  | { kind: 'key-taken' };

/**
 * Writes a new pending request and its `approval.created` event, together with the other creates
 * waiting at the same moment (create-batch.ts), unless the org is stopped or the key is taken. With a
 * `decision` (a policy's, made before the create, or a grant's, made in the create's transaction once
 * the request is written), it is decided in the transaction that writes it, still in its batch (auto-decide.ts),
 * and `readDecided` reads it there, as that transaction leaves it (ReadInCreate). Undecided and
 * written alone, `readBehind` is sent behind its statement (create-batch.ts ReadBehind). Errors
 * of the statement (an external_id taken: 23505 on approvals_external_id_key; a NUL in a text: 22P05,
 * 22021) are thrown as the database raised them, for the caller to explain.
 */
export async function create(
  db: Database,
  caller: Caller,
  fields: NewRequest,
  decision?: AutoDecision | InTransactionDecider,
  options: { claimNotifyMs?: number; answerFor?: Asker; readDecided?: ReadInCreate; readBehind?: ReadBehind } = {},
): Promise<CreateOutcome> {
  const item = {
    ...fields,
    org_id: caller.org.id,
    requested_by_type: caller.principal.type,
    requested_by_id: caller.principal.id,
    requested_by_name: caller.principal.name,
  };
  // A decider decided it already (core/deciders): created and decided in one transaction (auto-decide.ts).
  if (decision) return createDecided(db, lockPending, caller, item, decision, options.readDecided);
  // Only here: a decided request's notification is the worker's (the caller attempts what it claims).
  const r: CreateResult = await createBatcherOf(db).create({
    ...item,
    ...(options.claimNotifyMs !== undefined && { claim_notify_ms: options.claimNotifyMs }),
    // What the answer's reader may do with the request, read by the create itself (no statement after it).
    ...(options.answerFor && { viewer: askerFacts(options.answerFor) }),
  }, undefined, options.readBehind);
  if (!r.org_open) return { kind: 'stopped' };
  if (r.approval === null) return { kind: 'key-taken' };
  const approval = approvalFromJson(r.approval);
  // The delivery worker ignores creates' announcements; it is woken only when this one queued a delivery for it.
  announce(db, caller.org.id, approval.id, [{ id: r.event_id!, type: 'approval.created' }], r.fanned_out);
  return { kind: 'created', approval, notify: r.notify, can: r.can_columns, runSteps: r.run_steps };
}

// ——— guard ————————————————————————————————————————————————————————————————————————————————————————

/** The guard (see above) for a change made in the caller's transaction: the request, locked. */
export async function lockPending(tx: Queryable, orgId: string, approvalId: string): Promise<ApprovalRow> {
  try {
    const { rows } = await tx.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM greenlight_lock_pending($1, $2) AS a`, [orgId, approvalId]);
    return rows[0]!;
  } catch (err) {
    throw refusal(err, 'decided') ?? err;
  }
}

/**
 * The guard of a change only the request's requester or an admin may make (reassigning a step):
 * greenlight_require_manager refuses anyone else (403, before the request's status is looked at),
 * then greenlight_lock_pending. viewer_can shows the same rule beforehand.
 */
export async function lockPendingAsManager(tx: Queryable, caller: Caller, approvalId: string, change: 'reassign'): Promise<ApprovalRow> {
  try {
    await tx.query('SELECT greenlight_require_manager($1, $2, $3, $4, $5, $6)', [caller.org.id, approvalId, caller.principal.type, caller.principal.id, caller.user?.role ?? null, change]);
  } catch (err) {
    throw refusal(err, 'decided') ?? err;
  }
  return lockPending(tx, caller.org.id, approvalId);
}

// ——— vote and step vote —————————————————————————————————————————————————————————————————————————————

/** A step vote is the same body without `source`; `source` is recorded on the final event only. */
export type VoteInput = DecideApprovalBody;

/**
 * A final decision's callback, claimed for its first attempt by the deciding process, with what the
 * attempt needs from the same statement: the org's signing secrets (current first), and the final
 * event and the request as decided, which its body is built from.
 */
export interface ClaimedCallback {
  /** The outbox row as the statement claimed it (delivery/outbox reads it: claimedFromJson). */
  delivery: Record<string, unknown>;
  /** The org's signing secrets, current first; null when it has none yet (the attempt makes it). */
  secrets: string[] | null;
  body: { event: EventRow; approval: Approval };
}

export interface Decided {
  approval: Approval;
  step: Step | null;
  callback: ClaimedCallback | null;
  /** The events this vote committed, in order: a vote, and the final decision when it made one. */
  events: EventType[];
  /**
   * What DecideOptions.answerFor may do with the request as the vote left it, read right behind the
   * vote on its connection; absent when it was not read so (inside a caller's transaction).
   */
  can?: Promise<ViewerCan | null>;
}

export interface DecideOptions {
  /**
   * Set when this process runs a delivery worker: a final decision's callback row is claimed for the
   * caller, for `leaseMs`, in the decision's own statement, and the caller makes the first attempt.
   */
  claimCallback?: { leaseMs: number };
  /** The caller sends notifications: a step decided queues the work of telling the next step's approvers. */
  notify?: boolean;
  /**
   * Whom the caller answers (`viewer_can`): on the database itself their rules are read right behind
   * the vote and its announcement, on the vote's connection and in the same write (Decided.can),
   * once the vote has committed, instead of in a statement of its own once the vote's answer is back:
   * a round trip, a pooled connection and a write to Postgres less for every decision answered.
   */
  answerFor?: Asker;
}

interface DecideRow {
  approval: Record<string, unknown>;
  step: { id: string } | null;
  event: Record<string, unknown>;
  event_ids: string[];
  event_types: EventType[];
  delivery: Record<string, unknown> | null;
  secret: string | null;
  previous_secret: string | null;
  wake_worker: boolean;
}

async function stepById(db: Queryable, stepId: string): Promise<Step> {
  const { rows } = await db.query<StepRow>(`SELECT ${STEP_COLUMNS} FROM approval_steps s WHERE s.id = $1`, [stepId]);
  return toStep(rows[0]!);
}

async function vote(db: Queryable, caller: Caller, approvalId: string, stepId: string | null, ballot: VoteInput, options: DecideOptions = {}): Promise<Decided> {
  // A vote that carries no input (a button, a link, an API call without an answer) first goes without
  // a read of the request: greenlight_decide takes what it approves from the row, when the request asks
  // for no input and the org has no step-up setting, and otherwise refuses before writing anything
  // (GL002), and the vote goes again below with the request read. Not inside a caller's transaction
  // (a link used up with its vote), which the refusal would abort.
  if (ballot.response === undefined && ballot.edits === undefined && isDatabase(db)) {
    const decided = await decideStatement(db, caller, approvalId, stepId, ballot, options, { fast: true, content_sha256: null, answer: null, answer_refusal: null, step_up_missing: null });
    if (decided) return decided;
  }
  // What the vote is on and what it must answer: fixed at create, so read before the statement; with
  // it, what the step-up rule reads (step-up.ts), in the same round trip.
  const session = stepUpSessionOf(caller);
  const { rows: content } = await db.query<Pick<ApprovalRow, 'title' | 'description' | 'metadata' | 'changes' | 'response_schema' | 'editable'> & StepUpFacts>(
    `SELECT a.title, a.description, a.metadata, a.changes, a.response_schema, a.editable, a.priority, a.action_type, ${stepUpFactsSql('a', '$3', '$4')}
       FROM approvals a WHERE ${IN_ORG('$1', '$2')}`,
    [approvalId, caller.org.id, session, session ? caller.user!.id : null],
    { prepare: 'decision_content_step_up' },
  );
  if (!content[0]) throw notFound();
  // The answer and edits (core/answers.ts); a refusal is raised by greenlight_decide after its own checks.
  const checked = checkVoteAnswer(content[0], ballot);
  const answer = checked.ok ? checked.answer : null;
  const decided = await decideStatement(db, caller, approvalId, stepId, ballot, options, {
    fast: false,
    // The content as this vote would approve it: its own edits applied.
    content_sha256: contentSha256(content[0], answer?.edits ?? []),
    answer,
    answer_refusal: checked.ok ? null : checked.refusal,
    // The step-up rule (step-up.ts); greenlight_decide refuses with it after its own checks.
    step_up_missing: stepUpMissingIn(content[0]),
  });
  return decided!;
}

/**
 * Sent behind a decision or a cancellation made on the database itself (QueryOptions.followedBy), once
 * it has committed: NOTIFYs the announcement of its outcome that greenlight_decide or greenlight_cancel
 * left in the session, and empties it. Waiters on other replicas, and this one's through its LISTEN,
 * hear of the outcome as it commits, instead of once its answer has come back and been handled.
 * Nothing when the statement failed or decided nothing (the setting is empty). A notification lost
 * meanwhile (the LISTEN connection down) is a wake-up lost as any other: a reconnect wakes every
 * listener to read again. A transaction's announcements go the same way by a statement of their own
 * (storage/postgres.ts, AFTER_COMMIT), which carries any channel; this one's setting holds one payload
 * of the events channel because the functions that write it serve every process on the database, and
 * during an upgrade those of the version before send this statement behind them.
 */
const ANNOUNCE_OUTCOME = {
  name: 'announce_decision',
  sql: `SELECT pg_notify('${EVENTS_CHANNEL}', p), set_config('greenlight.announce', '', false) FROM nullif(current_setting('greenlight.announce', true), '') AS p`,
};

/** What the vote's statement is told of its content: read by the caller, or (`fast`) taken from the row by the statement. */
interface VoteContent {
  fast: boolean;
  content_sha256: string | null;
  answer: VoteAnswer | null;
  answer_refusal: AnswerRefusal | null;
  step_up_missing: boolean | null;
}

/** The vote's statement (greenlight_decide); null when a `fast` vote needs its content read (GL002), nothing written. */
async function decideStatement(
  db: Queryable,
  caller: Caller,
  approvalId: string,
  stepId: string | null,
  ballot: VoteInput,
  options: DecideOptions,
  content: VoteContent,
): Promise<Decided | null> {
  const claim = options.claimCallback;
  const input = {
    org: caller.org.id,
    approval: approvalId,
    step: stepId,
    actor_type: caller.principal.type,
    actor_id: caller.principal.id,
    actor_name: wellFormed(caller.principal.name),
    user_id: caller.user?.id ?? null,
    user_role: caller.user?.role ?? null,
    decision: ballot.decision,
    comment: wellFormed(ballot.comment ?? null),
    source: wellFormed(ballot.source ?? null),
    ...content,
    lease_ms: claim?.leaseMs ?? null,
    // The org's first callback reads or makes its secret in its attempt (channels/webhook), not here.
    new_secret: null,
    notify: options.notify ?? false,
    // A decision inside a caller's transaction is announced after its commit (Queryable.notify).
    announce: isDatabase(db),
  };
  let r: DecideRow;
  // Read behind the announcement, so the waiters on other replicas hear of the vote first. Read whatever
  // the vote's outcome: a refused vote drops it (caught here, so its failure is nobody's).
  let can: Promise<ViewerCan | null> | undefined;
  const answerFor = options.answerFor;
  const behind =
    input.announce && answerFor
      ? (on: Queryable) => {
          const announced = on.query(ANNOUNCE_OUTCOME.sql, [], { prepare: ANNOUNCE_OUTCOME.name });
          can = viewerCan(on, answerFor, approvalId);
          can.catch(() => {});
          return Promise.all([announced, can]);
        }
      : undefined;
  try {
    const { rows } = await db.query<DecideRow>('SELECT r.* FROM greenlight_decide($1) AS r', [JSON.stringify(input)], {
      prepare: 'decide_approval',
      ...(behind ? { behind } : input.announce ? { followedBy: ANNOUNCE_OUTCOME } : {}),
    });
    r = rows[0]!;
  } catch (err) {
    if (content.fast && sqlState(err) === 'GL002') return null;
    throw refusal(err, 'decided') ?? err;
  }
  announce(db, caller.org.id, approvalId, r.event_ids.map((id, i) => ({ id, type: r.event_types[i]! })), r.wake_worker, input.announce);

  const approval = toApproval(approvalFromJson(r.approval));
  // The step as the API shows it (with the names of whoever it asks), read after the commit.
  const step = r.step && (await stepById(db, r.step.id));
  const d = r.delivery;
  const callback: ClaimedCallback | null =
    d === null
      ? null
      : {
          delivery: d,
          secrets: r.secret === null ? null : (r.previous_secret ? [r.secret, r.previous_secret] : [r.secret]).map((s) => secretKeys().openKept(s)),
          body: { approval, event: eventFromJson(r.event) },
        };
  return { approval, step, callback, events: r.event_types, ...(can && { can }) };
}

/**
 * `PATCH /approvals/:id`, and a decision link's confirmation (modules/decision-links). Without steps the
 * vote counts towards `required_approvals`; with steps it goes to the first pending step the caller
 * may decide (with `is_sequential`, that must be the lowest pending one). `db` may be a transaction
 * the caller holds (a link is used up in the same transaction as its vote).
 */
export function decide(db: Queryable, caller: Caller, approvalId: string, input: VoteInput, options: DecideOptions = {}): Promise<Decided> {
  return vote(db, caller, approvalId, null, input, options);
}

/** `PATCH /approvals/:id/steps/:stepId`: a vote on one named step. */
export async function decideStep(db: Database, caller: Caller, approvalId: string, stepId: string, input: VoteInput, options: Pick<DecideOptions, 'notify'> = {}): Promise<Decided & { step: Step }> {
  return (await vote(db, caller, approvalId, stepId, input, options)) as Decided & { step: Step };
}

// ——— cancel ———————————————————————————————————————————————————————————————————————————————————————

/** `DELETE /approvals/:id`: pending → cancelled, behind the same guard as a decision. */
export async function cancel(db: Database, caller: Caller, approvalId: string): Promise<ApprovalRow> {
  const input = {
    org: caller.org.id,
    approval: approvalId,
    actor_type: caller.principal.type,
    actor_id: caller.principal.id,
    actor_name: wellFormed(caller.principal.name),
    actor_role: caller.user?.role ?? null,
    announce: true,
  };
  let r: { approval: Record<string, unknown>; event_id: string; wake_worker: boolean };
  try {
    const { rows } = await db.query<typeof r>('SELECT r.approval, r.event_id, r.wake_worker FROM greenlight_cancel($1) AS r', [JSON.stringify(input)], { followedBy: ANNOUNCE_OUTCOME });
    r = rows[0]!;
  } catch (err) {
    throw refusal(err, 'cancelled') ?? err;
  }
  // The callback of a cancellation is the worker's, woken for it (wake_worker).
  announce(db, caller.org.id, approvalId, [{ id: r.event_id, type: 'approval.cancelled' }], r.wake_worker, true);
  return approvalFromJson(r.approval);
}

// ——— execution receipt ——————————————————————————————————————————————————————————————————————————————

/**
 * `POST /approvals/:id/execution`: an approved request's automation reports what it did. No status
 * change; the receipt moves none → started | succeeded | failed, and started → succeeded | failed.
 * The request row is locked for the read and the write, so two reports queue and the second sees the
 * first. Not behind the pending guard: the request is no longer pending, and a report of what already
 * happened is taken during an emergency stop too.
 */
export async function reportExecution(db: Database, caller: Caller, approvalId: string, report: ReportExecutionBody, options: { notify?: boolean } = {}): Promise<ApprovalRow> {
  // appendEvent announces the event once this commits, which also wakes the delivery worker for a
  // subscription that chose receipts, and for the `notify` row that tells the approvers (when this
  // server sends notifications: greenlight.notify, read by the fan-out trigger).
  return db.transaction(async (tx) => {
    if (options.notify) await tx.query(`SELECT set_config('greenlight.notify', 'on', true)`);
    const { rows } = await tx.query<ApprovalRow>(`SELECT ${APPROVAL_COLUMNS} FROM approvals a WHERE a.id = $1 AND a.org_id = $2 ${CHANGE_LOCK}`, [approvalId, caller.org.id]);
    const current = rows[0];
    if (!current) throw notFound();
    if (current.status !== 'approved') {
      // A revoked approval must not be acted on: the automation is told so in as many words.
      if (current.revoked_at !== null) {
        throw new ApiError('INVALID_STATUS', 'the approval was revoked: do not act on it', { status: current.status, reason: 'revoked' });
      }
      throw new ApiError('INVALID_STATUS', `execution can be reported only for an approved request; this one is ${current.status}`, { status: current.status });
    }
    const was = current.execution_status;
    if (was === 'succeeded' || was === 'failed' || (was === 'started' && report.status === 'started')) {
      throw new ApiError('INVALID_STATUS', `execution was already reported ${was}${was === 'started' ? '' : ', which is final'}`, { execution_status: was });
    }
    const { rows: updated } = await tx.query<ApprovalRow>(
      `UPDATE approvals a SET execution_status = $3, execution_message = $4, execution_url = $5, execution_reported_at = now()
        WHERE a.id = $1 AND a.org_id = $2 RETURNING ${APPROVAL_COLUMNS}`,
      [approvalId, caller.org.id, report.status, report.message === undefined ? null : wellFormed(report.message), report.url ?? null],
    );
    await appendEvent(tx, {
      orgId: caller.org.id,
      approvalId,
      type: 'approval.execution_reported',
      actor: actorOf(caller),
      from: 'approved',
      to: 'approved',
      data: { status: report.status, message: report.message ?? null, url: report.url ?? null, previous_status: was },
    });
    return updated[0]!;
  });
}

// ——— revoke ——————————————————————————————————————————————————————————————————————————————————————————

/** Which part of the revoke rule refused, as the API has always answered it, in the rule's words (`details.text`). */
function revokeRefusal(current: ApprovalRow & { window_open: boolean | null; approved_by_caller: boolean }, caller: Caller, text: string): ApiError {
  if (caller.user?.role !== 'admin' && !current.approved_by_caller) {
    return new ApiError('FORBIDDEN', 'only an approver who approved this request, or an admin, can revoke its approval', { reason: 'not_an_approver', text });
  }
  if (current.status !== 'approved') {
    const revoked = current.revoked_at !== null;
    return new ApiError('INVALID_STATUS', revoked ? 'the approval was already revoked' : `only an approval can be revoked; this request is ${current.status}`, {
      reason: revoked ? 'already_revoked' : 'not_approved',
      status: current.status,
      text,
    });
  }
  if (current.revocable_for_seconds === null) {
    return new ApiError('INVALID_STATUS', 'this request was created without a revoke window (revocable_for_seconds)', { reason: 'not_revocable', text });
  }
  if (current.execution_status !== null) {
    return new ApiError('INVALID_STATUS', `execution was already reported ${current.execution_status}: the approval can no longer be revoked`, {
      reason: 'execution_started',
      execution_status: current.execution_status,
      text,
    });
  }
  if (!current.window_open) {
    return new ApiError('INVALID_STATUS', 'the revoke window has closed', { reason: 'window_closed', revocable_until: revocableUntil(current)?.toISOString() ?? null, text });
  }
  return new ApiError('FORBIDDEN', text, { text });
}

/**
 * `POST /approvals/:id/revoke`: an approval rescinded within its window. The request becomes
 * `rejected`, a status every integration already treats as "do not go ahead", with `revoked_*` set;
 * the `approval.revoked` event goes to the callback (events_fan_out.sql) and to subscriptions.
 *
 * The row is locked for the checks and the write, so a revoke and an execution receipt queue: the
 * receipt after a revoke finds the request `rejected` (409), the revoke after `started` finds the
 * receipt (409). The window is judged by the database clock, like expiry. Allowed: an admin, or a
 * principal whose approve vote is on the request (the person behind an OAuth grant counts as themself:
 * greenlight_approved_by). Every approving vote is consent the approval rests on, so any of its
 * voters may withdraw it, not only the one whose vote completed it (`decided_by`); viewer_can shows
 * the same rule (greenlight_viewer_can).
 */
export async function revoke(db: Database, caller: Caller, approvalId: string, body: RevokeApprovalBody): Promise<ApprovalRow> {
  return db.transaction(async (tx) => {
    // The row is locked first, in a statement of its own: the rule below reads the request through
    // greenlight_viewer_can, whose queries see the statement's snapshot. In the locking statement
    // itself, a revoke that waited for a receipt's transaction would re-read the row but judge it by
    // the snapshot from before the wait (execution not yet started), and both would win.
    const { rows: locked } = await tx.query(`SELECT 1 FROM approvals a WHERE a.id = $1 AND a.org_id = $2 ${CHANGE_LOCK}`, [approvalId, caller.org.id]);
    if (locked.length === 0) throw notFound();
    // Whether the caller may revoke is the rule's answer (greenlight_viewer_can, which shows it
    // beforehand as viewer_can.revoke); the refusal's code and details say which part refused.
    const { rows } = await tx.query<ApprovalRow & { window_open: boolean | null; approved_by_caller: boolean; rule: { allowed: boolean; reason?: string } }>(
      `SELECT ${APPROVAL_COLUMNS},
              a.decided_at + make_interval(secs => a.revocable_for_seconds) > now() AS window_open,
              ${approvedBySql('a.id', '$3::uuid', '$4::uuid')} AS approved_by_caller,
              greenlight_viewer_can(a.id, $5, $3::uuid, $4::uuid, $6) -> 'revoke' AS rule
         FROM approvals a WHERE a.id = $1 AND a.org_id = $2`,
      [approvalId, caller.org.id, caller.principal.id, caller.user?.id ?? null, caller.principal.type, caller.user?.role ?? null],
    );
    const current = rows[0];
    if (!current) throw notFound();
    if (!current.rule.allowed) throw revokeRefusal(current, caller, current.rule.reason ?? 'not allowed');
    const reason = body.reason === undefined ? null : wellFormed(body.reason);
    // The update and its event go to the connection together (one round trip) and run in that order.
    const [{ rows: updated }] = await sideBySide([
      tx.query<ApprovalRow>(
        `UPDATE approvals a SET status = 'rejected', revoked_at = now(), revoked_by_type = $3, revoked_by_id = $4, revoked_by_name = $5,
                revocation_reason = $6, updated_at = now()
          WHERE a.id = $1 AND a.org_id = $2 RETURNING ${APPROVAL_COLUMNS}`,
        [approvalId, caller.org.id, caller.principal.type, caller.principal.id, caller.principal.name, reason],
      ),
      appendEvent(tx, {
        orgId: caller.org.id,
        approvalId,
        type: 'approval.revoked',
        actor: actorOf(caller),
        from: 'approved',
        to: 'rejected',
        data: { reason },
      }),
    ]);
    return updated[0]!;
  });
}

// ——— expire and auto-decide ———————————————————————————————————————————————————————————————————————

export const EXPIRY_BATCH_SIZE = 500;

export const AUTO_DECISION_COMMENT = {
  approve: 'automatically approved on expiry',
  reject: 'automatically rejected on expiry',
} as const;

/** Due pending requests, claimed for this sweep (see the rules above). */
const CLAIM_DUE_SQL = `
SELECT ${APPROVAL_COLUMNS}
  FROM approvals a
 WHERE a.status = 'pending' AND a.expires_at IS NOT NULL AND a.expires_at <= now()
 ORDER BY a.expires_at
 LIMIT $1
   ${CHANGE_LOCK} SKIP LOCKED`;

/**
 * Each claimed request's `on_expiry` policy; the lock re-checked `pending` against the latest committed
 * row. An approval on expiry answers with the schema's defaults ($4: id → answer); one whose defaults do
 * not answer it (create refuses such a request, so only a row written around that check) is expired
 * instead ($5): an expiry never invents input.
 */
const APPLY_SQL = `
UPDATE approvals a
   SET status = CASE WHEN a.id = ANY ($5::uuid[]) THEN 'expired' ELSE CASE a.on_expiry WHEN 'approve' THEN 'approved' WHEN 'reject' THEN 'rejected' ELSE 'expired' END END,
       decided_at = CASE WHEN a.on_expiry = 'expire' OR a.id = ANY ($5::uuid[]) THEN NULL ELSE now() END,
       expired_at = CASE WHEN a.on_expiry = 'expire' OR a.id = ANY ($5::uuid[]) THEN now() END,
       decided_by = NULL,
       decided_by_type = CASE WHEN a.on_expiry = 'expire' OR a.id = ANY ($5::uuid[]) THEN NULL ELSE 'system' END,
       decision_comment = CASE WHEN a.id = ANY ($5::uuid[]) THEN NULL ELSE CASE a.on_expiry WHEN 'approve' THEN $2 WHEN 'reject' THEN $3 END END,
       response = CASE WHEN a.on_expiry = 'approve' THEN $4::jsonb -> a.id::text END,
       updated_at = now()
 WHERE a.id = ANY ($1::uuid[]) AND a.status = 'pending'
RETURNING a.id, a.status`;

/** The defaults that answer each due request approving on expiry, and the requests whose defaults do not (expired instead). */
function expiryAnswers(due: ApprovalRow[]): { answers: Record<string, Record<string, unknown>>; unanswered: string[] } {
  const answers: Record<string, Record<string, unknown>> = {};
  const unanswered: string[] = [];
  for (const a of due) {
    if (a.on_expiry !== 'approve' || a.response_schema === null) continue;
    const checked = checkAnswer(a.response_schema, {});
    if (checked.ok) answers[a.id] = checked.answer;
    else unanswered.push(a.id);
  }
  return { answers, unanswered };
}

export type SweepOutcome = Extract<ApprovalStatus, 'expired' | 'approved' | 'rejected'>;
type Outcome = SweepOutcome;

const EVENT_OF: Record<Outcome, EventType> = {
  expired: 'approval.expired',
  approved: 'approval.approved',
  rejected: 'approval.rejected',
};

/**
 * The event of one swept request, in the shape of a person's decision where it is one (decision,
 * comment, source, current_approvals, approved_content_sha256), plus `reason: 'expired'` so a
 * receiver tells the automatic decision apart.
 */
async function recordOutcome(tx: Queryable, a: ApprovalRow, to: Outcome, answer: Record<string, unknown> | undefined): Promise<void> {
  const expiresAt = a.expires_at!.toISOString();
  // What a request that asks for an answer was approved with: its defaults, nothing edited.
  const answered = to === 'approved' && (a.response_schema !== null || (a.editable ?? []).length > 0) ? { response: answer ?? null, edits: [] } : {};
  const data: Record<string, unknown> =
    to === 'expired'
      ? { expires_at: expiresAt }
      : {
          decision: to === 'approved' ? 'approve' : 'reject',
          comment: AUTO_DECISION_COMMENT[to === 'approved' ? 'approve' : 'reject'],
          source: null,
          current_approvals: a.current_approvals,
          reason: 'expired',
          expires_at: expiresAt,
          approved_content_sha256: contentSha256(a),
          ...answered,
        };
  await appendEvent(tx, { orgId: a.org_id, approvalId: a.id, type: EVENT_OF[to], actor: SYSTEM_ACTOR, from: 'pending', to, data });
}

/** One batch in one transaction: claim, apply the policy, append the events. */
async function sweepBatch(db: Database): Promise<{ claimed: number; applied: { status: Outcome }[] }> {
  return db.transaction(async (tx) => {
    const { rows: due } = await tx.query<ApprovalRow>(CLAIM_DUE_SQL, [EXPIRY_BATCH_SIZE]);
    if (due.length === 0) return { claimed: 0, applied: [] };
    const { answers, unanswered } = expiryAnswers(due);
    const { rows: applied } = await tx.query<{ id: string; status: Outcome }>(APPLY_SQL, [
      due.map((a) => a.id),
      AUTO_DECISION_COMMENT.approve,
      AUTO_DECISION_COMMENT.reject,
      JSON.stringify(answers),
      unanswered,
    ]);
    const outcome = new Map(applied.map((r) => [r.id, r.status]));
    // Every event of the batch goes to the connection at once, in the order of `due`: one round trip
    // for the batch, not one per request while its rows stay locked.
    await sideBySide(
      due.flatMap((a) => {
        const to = outcome.get(a.id);
        return to ? [recordOutcome(tx, a, to, answers[a.id])] : [];
      }),
    );
    return { claimed: due.length, applied };
  });
}

/**
 * Sweeps every due request, batch after batch; returns how many it expired or decided, and tells
 * `onSwept` each committed batch's outcomes (the metrics count them).
 */
export async function expireDue(db: Database, onSwept?: (outcome: SweepOutcome) => void): Promise<number> {
  let total = 0;
  for (;;) {
    const { claimed, applied } = await sweepBatch(db);
    total += applied.length;
    if (onSwept) for (const r of applied) onSwept(r.status);
    if (claimed < EXPIRY_BATCH_SIZE) return total;
  }
}
