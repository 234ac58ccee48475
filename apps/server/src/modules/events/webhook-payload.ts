import type { Approval, WebhookPayload } from '@greenlight/contract';

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

/** The one shape an event leaves Greenlight in: webhook and callback bodies, and SSE `data:` lines. */
export function toWebhookPayload(e: EventRow, approval: Approval | null): WebhookPayload {
  return {
    type: e.type,
    timestamp: e.created_at.toISOString(),
    data: {
      event_id: e.id,
      org_id: e.org_id,
      approval_id: e.approval_id,
      actor: { type: e.actor_type, id: e.actor_id, name: e.actor_name },
      from_status: e.from_status,
      to_status: e.to_status,
      details: e.data,
      approval,
    },
  };
}
