import type { ApprovalStatus, EventType, Principal } from '@greenlight/contract';
import type { Queryable } from '../../storage/database.ts';
import type { AuthContext } from '../../http/auth.ts';
import { EVENTS_CHANNEL, notificationOf } from '../../events/event-bus.ts';

export const SYSTEM_ACTOR: Principal = { type: 'system', id: null, name: 'Greenlight' };

export const actorOf = (auth: AuthContext): Principal => ({
  type: auth.principal.type,
  id: auth.principal.id,
  name: auth.principal.name,
});

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
 * Appends one immutable event in the caller's transaction: the audit trail entry and, for
 * delivery, the outbox row commit together with the change they describe, or not at all.
 *
 * The fan-out happens inside this same INSERT statement: the `events_fan_out` trigger (migrations
 * 003, 005, 009) inserts one `deliveries` row per target (the request's callback_url for its final
 * outcome, each active subscription to the type). A trigger rather than CTEs here, because events
 * are also inserted by statements that do not come through this function (the decision and the
 * expiry sweep): every path fans out, with no extra round trip. The one exception is
 * `approval.created`, written only by the create statement, which fans it out itself (009). The event is announced on EVENTS_CHANNEL once the
 * caller's transaction commits (`Queryable.notify`).
 */
export async function appendEvent(tx: Queryable, e: EventInput): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text AS id`,
    [e.orgId, e.approvalId, e.type, e.actor.type, e.actor.id, e.actor.name, e.from ?? null, e.to ?? null, JSON.stringify(e.data ?? {})],
  );
  const id = rows[0]!.id;
  tx.notify(EVENTS_CHANNEL, notificationOf({ orgId: e.orgId, eventId: id, approvalId: e.approvalId, type: e.type }));
  return id;
}
