import { z } from './zod.ts';
import { PageSizeQuery, Principal, Timestamp, TimestampInput } from './common.ts';
import { AUDIT_EVENT_TYPES, LEDGER_DECISION_TYPES } from './event-types.ts';

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

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/).openapi({ description: 'SHA-256, 64 lowercase hex digits' });

const LedgerLink = {
  seq: z.number().int().min(1).openapi({ description: 'The place of the entry in the org\'s chain: 1, 2, 3, … with no gaps, in commit order' }),
  prev_hash: Sha256Hex.openapi({ description: 'The `hash` of the entry before (64 zeros before the first)' }),
  hash: Sha256Hex.openapi({
    description:
      'SHA-256 of `prev_hash` followed by the RFC 8785 canonical JSON of `org_id`, `seq`, `id`, `type`, `actor`, `target`, `details` and ' +
      '`created_at`, and `kind` for a decision (an audit entry\'s hash leaves `kind` out)',
  }),
};

export const AuditLedgerAuditEntry = AuditEntry.extend({ kind: z.literal('audit'), ...LedgerLink }).openapi('AuditLedgerAuditEntry');

export const LedgerDecisionType = z.enum(LEDGER_DECISION_TYPES).openapi('LedgerDecisionType');

/** Who decided: a person, an API key, an OAuth grant (its connection), a policy, a standing grant, or Greenlight (expiry). */
export const LedgerDecider = z
  .object({
    kind: z.enum(['person', 'key', 'oauth_grant', 'policy', 'grant', 'system']),
    id: z.string().nullable(),
    name: z.string().nullable(),
  })
  .openapi('LedgerDecider');

export const AuditLedgerDecision = z
  .object({
    kind: z.literal('decision'),
    ...LedgerLink,
    id: z.string().openapi({ description: 'The decision\'s event (its id among the request\'s events)' }),
    type: LedgerDecisionType,
    actor: Principal,
    target: z.object({ type: z.literal('approval'), id: z.uuid() }).openapi({ description: 'The request decided' }),
    details: z
      .object({
        request_id: z.uuid(),
        decider: LedgerDecider,
        decision: z.enum(['approve', 'reject', 'revoke']).nullable(),
        comment: z.string().nullable(),
        approved_content_sha256: z.string().nullable().openapi({ description: 'SHA-256 of the request\'s content as decided on' }),
      })
      .catchall(z.unknown())
      .openapi({ description: 'The decision, and the rest of its event\'s data (step_id, step_order, source, on_behalf_of, admin_override, policy, grant, the reviewer\'s `response` and `edits` with their values before and after, …)' }),
    created_at: Timestamp,
  })
  .openapi('AuditLedgerDecision', { description: 'A vote or final decision on a request, as the ledger chains it' });

export const AuditLedgerEntry = z.discriminatedUnion('kind', [AuditLedgerAuditEntry, AuditLedgerDecision]).openapi('AuditLedgerEntry');

export const AuditLedger = z
  .object({
    format: z.literal('greenlight-audit-ledger/1'),
    org_id: z.uuid(),
    from_seq: z.number().int().min(1),
    to_seq: z.number().int().min(0).openapi({ description: 'The last entry exported (`from_seq - 1` when there is none)' }),
    first_prev_hash: Sha256Hex.openapi({ description: 'What the first entry chains to' }),
    last_hash: Sha256Hex.openapi({ description: 'The `hash` of the last entry (`first_prev_hash` when there is none)' }),
    signed_at: Timestamp,
    entries: z.array(AuditLedgerEntry),
    signature: z
      .object({
        alg: z.literal('EdDSA'),
        kid: z.string().openapi({ description: 'The key, among those at `/.well-known/greenlight-audit-keys.json`' }),
        value: z.string().openapi({ description: 'Ed25519 (base64url) over the RFC 8785 canonical JSON of `format`, `kid`, `org_id`, `from_seq`, `to_seq`, `first_prev_hash`, `last_hash` and `signed_at`' }),
      })
      .openapi({ description: 'Check it, and the chain, offline with `greenlight audit verify FILE --key KEYS`' }),
  })
  .openapi('AuditLedger');
export type AuditLedger = z.infer<typeof AuditLedger>;

/** The most entries one ledger export carries; a longer chain is exported in signed ranges. */
export const AUDIT_LEDGER_MAX_ENTRIES = 50_000;

export const ExportAuditLedgerQuery = z.object({
  from_seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(1).openapi({ description: 'The first entry (default 1)' }),
  to_seq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().openapi({
    description: `The last entry (default: the newest, at most ${AUDIT_LEDGER_MAX_ENTRIES} entries after \`from_seq\`)`,
  }),
});
