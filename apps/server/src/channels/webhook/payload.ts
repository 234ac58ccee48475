import type { Approval, WebhookPayload } from '@greenlight/contract';
import type { EventRow } from '../../core/events.ts';

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
