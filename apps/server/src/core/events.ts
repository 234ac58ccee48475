import { CALLBACK_EVENT_TYPES, type ApprovalStatus, type EventType, type Principal, type WebhookPayload } from '@greenlight/contract';
import type { Queryable } from '../storage/database.ts';
import { DELIVERIES_CHANNEL, EVENTS_CHANNEL, notificationOf } from '../events/event-bus.ts';

export const SYSTEM_ACTOR: Principal = { type: 'system', id: null, name: 'Greenlight' };

/**
 * Who acts on a request, as the transitions need to know it: the caller's org, the principal the
 * records name, and the person's role when a person acts (an http AuthContext is one).
 */
export interface Caller {
  org: { id: string };
  principal: { type: 'connection' | 'user'; id: string; name: string | null };
  user: { id: string; role: 'admin' | 'approver' | 'viewer' } | null;
  /** Set for a dashboard session (its token's SHA-256): what a passkey step-up is recorded on (core/approvals/step-up.ts). */
  sessionTokenHash?: string;
}

export const actorOf = (auth: Caller): Principal => ({
  type: auth.principal.type,
  id: auth.principal.id,
  name: auth.principal.name,
});

/** One row of `events` as the delivery worker and the event stream read it. */
export interface EventRow {
  id: string;
  org_id: string;
  approval_id: string | null;
  type: WebhookPayload['type'];
  actor_type: WebhookPayload['data']['actor']['type'];
  actor_id: string | null;
  actor_name: string | null;
  from_status: WebhookPayload['data']['from_status'];
  to_status: WebhookPayload['data']['to_status'];
  data: Record<string, unknown>;
  created_at: Date;
}

/** The columns of an EventRow (alias `e`); ids as text, as the two drivers parse int8 differently. */
export const EVENT_COLUMNS =
  'e.id::text AS id, e.org_id, e.approval_id, e.type, e.actor_type, e.actor_id, e.actor_name, e.from_status, e.to_status, e.data, e.created_at';

/** An EventRow from `to_json` of an `events` row (what the transitions return). */
export function eventFromJson(json: Record<string, unknown>): EventRow {
  return { ...(json as unknown as EventRow), id: String(json.id), created_at: new Date(json.created_at as string) };
}

export interface EventInput {
  orgId: string;
  approvalId: string | null;
  type: EventType;
  actor: Principal;
  from?: ApprovalStatus | null;
  to?: ApprovalStatus | null;
  data?: Record<string, unknown>;
}

/**
 * An outcome: what a callback is sent, and what waiters (long polls, streams, paused runs) hold for,
 * on this replica or another. Its notification goes out at once (Queryable.notify's `urgent`).
 */
export const isOutcomeEvent = (type: EventType): boolean => (CALLBACK_EVENT_TYPES as readonly EventType[]).includes(type);

/**
 * Appends one immutable event in the caller's transaction: the audit trail entry and, for
 * delivery, the outbox rows commit together with the change they describe, or not at all.
 *
 * The fan-out happens inside the event's INSERT (storage/functions/events_fan_out.sql): a trigger
 * rather than CTEs here, because the transitions of approvals/state-machine.ts insert events in their own
 * statements, and every path must fan out with no extra round trip. The event is announced on
 * EVENTS_CHANNEL once the caller's transaction commits (`Queryable.notify`), and the delivery workers
 * are woken (DELIVERIES_CHANNEL) when its fan-out queued a delivery for them
 * (storage/functions/greenlight_append_event.sql).
 */
export async function appendEvent(tx: Queryable, e: EventInput): Promise<string> {
  const { rows } = await tx.query<{ id: string; fanned_out: boolean }>(
    'SELECT id, fanned_out FROM greenlight_append_event($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [e.orgId, e.approvalId, e.type, e.actor.type, e.actor.id, e.actor.name, e.from ?? null, e.to ?? null, JSON.stringify(e.data ?? {})],
    { prepare: 'append_event' },
  );
  const { id, fanned_out: fannedOut } = rows[0]!;
  const urgent = isOutcomeEvent(e.type);
  tx.notify(EVENTS_CHANNEL, notificationOf({ orgId: e.orgId, eventId: id, approvalId: e.approvalId, type: e.type }), urgent);
  if (fannedOut) tx.notify(DELIVERIES_CHANNEL, `event:${id}`, urgent);
  return id;
}
