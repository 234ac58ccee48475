import type { EventType, Webhook } from '@greenlight/contract';
import { iso } from '../../core/approval-record.ts';

/** Never the secret: it is returned once, by create and rotate, and nowhere else. */
export const WEBHOOK_COLUMNS = `s.id, s.url, s.events, s.description, s.status, s.disabled_reason, s.created_at, s.updated_at,
  s.disabled_at, s.secret_rotated_at, s.created_by_type, s.created_by_id,
  CASE WHEN s.created_by_type = 'user' THEN (SELECT coalesce(u.name, u.email) FROM users u WHERE u.id = s.created_by_id)
       ELSE (SELECT c.name FROM connections c WHERE c.id = s.created_by_id) END AS created_by_name`;

export interface WebhookRow {
  id: string;
  url: string;
  events: EventType[];
  description: string | null;
  status: 'active' | 'disabled';
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
  disabled_at: Date | null;
  secret_rotated_at: Date | null;
  created_by_type: 'connection' | 'user';
  created_by_id: string | null;
  created_by_name: string | null;
}

export function toWebhook(r: WebhookRow): Webhook {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    description: r.description,
    status: r.status,
    disabled_reason: r.disabled_reason,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    disabled_at: iso(r.disabled_at),
    secret_rotated_at: iso(r.secret_rotated_at),
    created_by: { type: r.created_by_type, id: r.created_by_id, name: r.created_by_name },
  };
}
