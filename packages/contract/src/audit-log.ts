import { z } from './zod.ts';
import { PageSizeQuery, Principal, Timestamp, TimestampInput } from './common.ts';
import { AUDIT_EVENT_TYPES } from './event-types.ts';

export const AuditEventType = z.enum(AUDIT_EVENT_TYPES).openapi('AuditEventType', {
  description:
    '`webhook.disabled` is also written when a subscription is disabled because its creator was removed, its connection revoked ' +
    'or its deliveries failed (`details.reason` says which); `webhook.deleted` also when its receiver answered 410.',
});
export type AuditEventType = z.infer<typeof AuditEventType>;

export const AuditEntry = z
  .object({
    id: z.string().openapi({ description: 'Increases with each entry of the organization', example: '1042' }),
    type: AuditEventType,
    actor: Principal.openapi({ description: 'Who did it; `system` for Greenlight itself and the admin CLI (`name` says which)' }),
    target: z
      .object({ type: z.string(), id: z.string() })
      .nullable()
      .openapi({ description: 'What it was done to (a member, connection, OAuth client, subscription, the org)' }),
    details: z.record(z.string(), z.unknown()).openapi({ description: 'What changed, by type (e.g. `role`, `previous_role`, `reason`)' }),
    created_at: Timestamp,
  })
  .openapi('AuditEntry');
export type AuditEntry = z.infer<typeof AuditEntry>;

const AuditFilters = {
  actor_id: z.uuid().optional().openapi({ description: 'Only entries by this person or connection' }),
  type: AuditEventType.optional(),
  since: TimestampInput.optional().openapi({ description: 'Only entries at or after this time' }),
  until: TimestampInput.optional().openapi({ description: 'Only entries before this time' }),
};

export const ListAuditLogQuery = z.object({
  ...AuditFilters,
  page_size: PageSizeQuery,
  page_token: z.string().min(1).max(200).optional().openapi({ description: 'Cursor from `next_page_token`' }),
});

export const AuditLogPage = z
  .object({
    data: z.array(AuditEntry),
    next_page_token: z.string().nullable().openapi({ description: 'Pass as `page_token` for the next page; null on the last page' }),
  })
  .openapi('AuditLogPage');

export const AUDIT_EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export const ExportAuditLogQuery = z.object({
  ...AuditFilters,
  format: z.enum(AUDIT_EXPORT_FORMATS).default('jsonl').openapi({
    description: '`jsonl`: one AuditEntry per line (application/jsonl); `csv`: RFC 4180 with a header row (text/csv)',
  }),
});

/** The CSV export's columns, in order; nested values (`details`) are written as JSON. */
export const AUDIT_CSV_COLUMNS = ['id', 'created_at', 'type', 'actor_type', 'actor_id', 'actor_name', 'target_type', 'target_id', 'details'] as const;
