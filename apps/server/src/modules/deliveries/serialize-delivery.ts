import type { Delivery, EventType } from '@greenlight/contract';
import { iso } from '../../core/approval-record.ts';

/** The delivery row and its attempts (aggregated oldest first) in one row. */
export const DELIVERY_SELECT = `
SELECT d.id, d.seq::text AS seq, d.event_id::text AS event_id, d.event_type, d.approval_id, d.target, d.subscription_id, d.url,
       d.status, d.attempts AS attempt_count, d.last_status, d.last_error, d.created_at, d.delivered_at,
       CASE WHEN d.status IN ('pending', 'delivering') THEN d.next_attempt_at END AS next_attempt_at,
       COALESCE((SELECT json_agg(json_build_object(
                   'attempt', t.attempt,
                   'started_at', to_char(t.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                   'duration_ms', t.duration_ms, 'status_code', t.status_code, 'error', t.error) ORDER BY t.attempt)
                   FROM delivery_attempts t WHERE t.delivery_id = d.id), '[]'::json) AS attempts
  FROM deliveries d`;

export interface DeliveryRow {
  id: string;
  seq: string;
  event_id: string;
  event_type: EventType;
  approval_id: string | null;
  target: Delivery['target'];
  subscription_id: string | null;
  url: string;
  status: Delivery['status'];
  attempt_count: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
  next_attempt_at: Date | null;
  attempts: Delivery['attempts'];
}

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    event_id: r.event_id,
    event_type: r.event_type,
    approval_id: r.approval_id,
    target: r.target,
    subscription_id: r.subscription_id,
    url: r.url,
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
