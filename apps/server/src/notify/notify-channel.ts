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
import type { Queryable } from '../storage/database.ts';
import type { Answer, Channel, Message, Notification } from '../delivery/outbox/channel.ts';
import type { RegisteredChannel } from '../delivery/outbox/attempt.ts';
import { NOTIFY } from './notify-spec.ts';
import { tell } from './tell.ts';
import { digestReader, requesterPeople, whoApproved, whoIsAsked, whoToRemind, type Asked } from './who-is-told.ts';
import { scheduleStepTimers } from './reminders.ts';

type Kinds = typeof NOTIFY.kinds;
type NotifyRow = Message<Kinds>;

/** Who the row tells, worked out now. */
async function peopleOf(tx: Queryable, row: NotifyRow): Promise<Asked[]> {
  if (row.kind === 'digest') return digestReader(tx, row.org_id, row.recipient_user_id);
  if (!row.approval_id) return [];
  switch (row.kind) {
    case 'approval_request':
      return whoIsAsked(tx, row.approval_id);
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

export function notifyChannel(deps: NotifyChannelDeps): Channel<Kinds, null, Answer> {
  return {
    spec: NOTIFY,

    async prepare(ctx, row) {
      if (row.kind === 'approval_request' && row.event_type === 'approval.created' && deps.graceMs > 0) {
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

    async settled(tx, row) {
      const note: Notification = {
        kind: row.kind,
        orgId: row.org_id,
        approvalId: row.approval_id,
        eventId: row.event_id,
        eventType: row.event_type,
        occasion: row.id,
      };
      await tell(tx, deps.channels, note, await peopleOf(tx, row));
      // The steps that start waiting now start their reminder and escalation clocks.
      if (row.kind === 'approval_request' && row.approval_id) await scheduleStepTimers(tx, row.approval_id);
    },
  };
}
