/**
 * Who is told what, when. A `notify` row of the outbox (notify-spec.ts) stands for something people
 * may need to hear; it is claimed, retried, held by the emergency stop and taken up again after a crash
 * like any outbox row, and its "sending" is its expansion: who is told now (who-is-told.ts), and one
 * row per person and channel they chose (tell.ts), queued in the transaction that records the attempt,
 * which also closes the row: killed before that commit, the whole expansion is made again. Each
 * channel queues a request's first message to a person once (its dedupe key), so a later expansion
 * only reaches people not told before (a new step's approver).
 *
 * - A new request, or a change of its steps (the fan-out queues the row with the event: approval.created,
 *   steps.configured, step.decided, step.escalated, step.reassigned): whoever is asked now. The steps
 *   that start waiting start their reminder and escalation clocks (reminders.ts) in the same transaction.
 * - A new request that names nobody (no steps, no flow, no routing rule's approvers: everyone who may
 *   decide would be asked) waits GREENLIGHT_NOTIFY_GRACE_MS after its creation first, so that an
 *   automation that creates a request and then sets its steps (the OKRunit client's way) asks only the
 *   people its steps name. A request that names its approvers is told at once.
 * - An execution receipt: the people who approved. A gone waiter: the person behind the request.
 * - A reminder (reminders.ts): whoever the step still waits for. A digest (digests.ts): its member.
 */
import { sideBySide, type Queryable } from '../storage/database.ts';
import type { Answer, Channel, Message, Notification } from '../delivery/outbox/channel.ts';
import type { RegisteredChannel } from '../delivery/outbox/attempt.ts';
import { NOTIFY } from './notify-spec.ts';
import { readForTelling, tell, type People, type ReadForTelling } from './tell.ts';
import { digestReader, requesterPeople, whoApproved, whoToRemind } from './who-is-told.ts';
import { startStepTimers, waitingSteps, type WaitingStep } from './reminders.ts';

type Kinds = typeof NOTIFY.kinds;
type NotifyRow = Message<Kinds>;

/** Who a row not about who is asked tells, worked out now (a request's asked people: requestReads). */
async function peopleOf(tx: Queryable, row: Exclude<NotifyRow, { kind: 'approval_request' }>): Promise<People> {
  if (row.kind === 'digest') return digestReader(tx, row.org_id, row.recipient_user_id);
  if (!row.approval_id) return [];
  switch (row.kind) {
    case 'execution_receipt':
      return whoApproved(tx, row.approval_id);
    case 'waiter_gone':
      return requesterPeople(tx, row.approval_id);
    case 'reminder':
      return whoToRemind(tx, row.approval_id, row.payload.step_order);
  }
}

export interface NotifyChannelDeps {
  /** Every channel that may tell people (channels/index.ts). */
  channels: readonly RegisteredChannel[];
  /** GREENLIGHT_NOTIFY_GRACE_MS: how long a new request that names nobody waits before everyone is asked. */
  graceMs: number;
}

/** What an expansion reads before it writes (settleReads): whom to tell and what telling needs; the steps whose clocks start. */
interface ExpansionReads {
  telling: ReadForTelling;
  /** A new request's notification: the steps it waits on now (none for any other row). */
  steps: WaitingStep[];
}

/** What a request's notification reads: whoever is asked now, what telling them needs, and the steps that wait now. */
async function requestReads(db: Queryable, channels: readonly RegisteredChannel[], orgId: string, approvalId: string): Promise<ExpansionReads> {
  const [telling, steps] = await sideBySide([readForTelling(db, channels, orgId, { askedNow: approvalId }), waitingSteps(db, approvalId)]);
  return { telling, steps };
}

/** The notification a row stands for, as telling it needs it. */
const noteOf = (row: NotifyRow): Notification => ({
  kind: row.kind,
  orgId: row.org_id,
  approvalId: row.approval_id,
  eventId: row.event_id,
  eventType: row.event_type,
  occasion: row.id,
});

export function notifyChannel(deps: NotifyChannelDeps): Channel<Kinds, null, Answer, ExpansionReads> {
  return {
    spec: NOTIFY,

    async prepare(ctx, row) {
      // A request that named its approvers at create (`named`) has nothing to wait for.
      if (row.kind === 'approval_request' && row.event_type === 'approval.created' && deps.graceMs > 0 && !row.payload.named) {
        const { rows } = await ctx.db.query<{ until: Date | null }>(
          `SELECT a.created_at + $2::float8 * interval '1 millisecond' AS until FROM approvals a
            WHERE a.id = $1 AND a.status = 'pending' AND NOT EXISTS (SELECT 1 FROM approval_steps s WHERE s.approval_id = a.id)
              AND a.created_at + $2::float8 * interval '1 millisecond' > now()`,
          [row.approval_id, deps.graceMs],
        );
        if (rows[0]?.until) return { defer: rows[0].until };
      }
      // Nothing leaves the process: the expansion is written where the attempt is recorded (settled).
      // So the emergency stop is not read here (it holds what sends, not what queues): each row the
      // expansion queues reads it itself right before it sends.
      return { answered: { startedAt: new Date(), durationMs: 0, statusCode: null, error: null } };
    },

    // Never called: prepare answers every row itself.
    async send() {
      return { startedAt: new Date(), durationMs: 0, statusCode: null, error: null };
    },

    meaning() {
      return { kind: 'delivered' };
    },

    // Everything the expansion reads, read before its transaction: whom to tell and what telling
    // them needs, and for a request the steps that start waiting now (side by side on Postgres). A new
    // request's, when its create read them ahead (readAheadOfCreate), are those.
    async settleReads(db, row, _outcome, ahead): Promise<ExpansionReads> {
      if (row.kind !== 'approval_request') return { telling: await readForTelling(db, deps.channels, row.org_id, await peopleOf(db, row)), steps: [] };
      if (ahead && row.event_type === 'approval.created') return ahead;
      // A request's notification without its request (never written so) tells nobody.
      if (!row.approval_id) return { telling: await readForTelling(db, deps.channels, row.org_id, []), steps: [] };
      return requestReads(db, deps.channels, row.org_id, row.approval_id);
    },

    readAheadOfCreate(db, orgId, approvalId) {
      return requestReads(db, deps.channels, orgId, approvalId);
    },

    async settled(tx, row, _outcome, _answer, { telling, steps }) {
      // The steps that start waiting now start their reminder and escalation clocks, beside the telling.
      await sideBySide([tell(tx, deps.channels, noteOf(row), telling), startStepTimers(tx, steps)]);
    },
  };
}
