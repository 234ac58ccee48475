import type { Delivery, EventType } from '@greenlight/contract';
import { iso } from '../../core/approval-record.ts';
import { seesCallback, type Viewer } from '../../core/approval-view.ts';
import type { RegisteredChannel } from '../../delivery/outbox/attempt.ts';
import type { ClaimedRow } from '../../delivery/outbox/channel.ts';

/** The delivery row and its attempts (aggregated oldest first) in one row, with its recipient's address and who made its request. */
export const DELIVERY_SELECT = `
SELECT d.id, d.seq::text AS seq, d.event_id::text AS event_id, d.event_type, d.approval_id, d.channel, d.kind, d.payload, d.recipient_user_id,
       u.email AS recipient_email, a.requested_by_type AS requester_type, a.requested_by_id AS requester_id,
       d.status, d.attempts AS attempt_count, d.last_status, d.last_error, d.created_at, d.delivered_at,
       CASE WHEN d.status IN ('pending', 'delivering') THEN d.next_attempt_at END AS next_attempt_at,
       COALESCE((SELECT json_agg(json_build_object(
                   'attempt', t.attempt,
                   'started_at', to_char(t.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                   'duration_ms', t.duration_ms, 'status_code', t.status_code, 'error', t.error) ORDER BY t.attempt)
                   FROM delivery_attempts t WHERE t.delivery_id = d.id), '[]'::json) AS attempts
  FROM deliveries d LEFT JOIN users u ON u.id = d.recipient_user_id
  LEFT JOIN approvals a ON a.id = d.approval_id`;

/**
 * The org's delivery log: every row of the outbox that went, or goes, somewhere for an event (the
 * `notify` rows that work out who is told are not deliveries, nor account emails, which have no event).
 */
export const IN_DELIVERY_LOG = `d.channel <> 'notify' AND d.event_id IS NOT NULL`;

export interface DeliveryRow {
  id: string;
  seq: string;
  event_id: string;
  event_type: EventType;
  approval_id: string | null;
  channel: string;
  kind: string;
  payload: unknown;
  recipient_user_id: string | null;
  recipient_email: string | null;
  requester_type: 'connection' | 'user' | 'system' | null;
  requester_id: string | null;
  status: Delivery['status'];
  attempt_count: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  next_attempt_at: Date | null;
  attempts: Delivery['attempts'];
}

/**
 * A row as `viewer` may see it: its channel names its target and address (delivery/outbox/channel.ts,
 * describe), and a callback's URL only where the viewer may see the request's callback (`seesCallback`).
 */
export function toDelivery(channels: readonly RegisteredChannel[], r: DeliveryRow, viewer: Viewer): Delivery {
  const row: ClaimedRow & { recipient_email: string | null } = {
    id: r.id,
    attempt: r.attempt_count,
    schedule_base: 0,
    org_id: '',
    approval_id: r.approval_id,
    event_id: r.event_id,
    event_type: r.event_type,
    channel: r.channel,
    kind: r.kind,
    payload: r.payload,
    sealed: null,
    body: null,
    recipient_user_id: r.recipient_user_id,
    recipient_email: r.recipient_email,
  };
  const described = channels.find((c) => c.spec.name === r.channel)?.describe(row) ?? null;
  const hidden = described?.target === 'callback' && !seesCallback(viewer, { requested_by: { type: r.requester_type ?? 'system', id: r.requester_id, name: null } });
  return {
    id: r.id,
    event_id: r.event_id,
    event_type: r.event_type,
    approval_id: r.approval_id,
    // A row its channel cannot read (or of a channel this process lacks) is still listed, by its channel's name.
    target: described?.target ?? (r.channel as Delivery['target']),
    subscription_id: described?.subscription_id ?? null,
    url: hidden ? null : (described?.url ?? ''),
    status: r.status,
    attempt_count: r.attempt_count,
    next_attempt_at: iso(r.next_attempt_at),
    last_status_code: r.last_status,
    last_error: r.last_error,
    created_at: r.created_at.toISOString(),
    delivered_at: iso(r.delivered_at),
    attempts: r.attempts,
  };
}
