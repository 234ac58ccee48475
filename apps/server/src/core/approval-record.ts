import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import type { Queryable } from '../storage/database.ts';
import {
  applyEdits,
  ENTITY_ACTIONS,
  type Approval,
  type Edit,
  type ResponseSchema,
  type ApprovalStatus,
  type CreatedVia,
  type DecidedByGrant,
  type DecidedByPolicy,
  type EntityAction,
  type ExecutionStatus,
  type OnExpiry,
  type Priority,
  type Routing,
} from '@greenlight/contract';

/**
 * A row of `approvals` (the table is in storage/migrations/001_init.sql), column for column: the one
 * list every writer and reader of a request starts from. `seq` is read as text, as the two drivers
 * parse int8 differently.
 */
export interface ApprovalRecord {
  id: string;
  seq: string;
  org_id: string;
  connection_id: string | null;
  requested_by_type: 'connection' | 'user' | 'system';
  requested_by_id: string | null;
  requested_by_name: string | null;
  title: string;
  description: string;
  status: ApprovalStatus;
  priority: Priority;
  action_type: string | null;
  source: string | null;
  metadata: Record<string, unknown>;
  required_approvals: number;
  current_approvals: number;
  is_sequential: boolean;
  callback_url: string | null;
  /** Sealed at rest (security/sealed.ts) as one JSON string; plain from before encryption until re-encrypted. */
  callback_headers: Record<string, string> | string | null;
  external_id: string | null;
  idempotency_key: string | null;
  request_fingerprint: string | null;
  tags: Record<string, string>;
  changes: Approval['changes'];
  resource: Approval['resource'];
  comments_count: number;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
  on_expiry: OnExpiry;
  decided_at: Date | null;
  decided_by: string | null;
  decided_by_type: 'connection' | 'user' | 'system' | 'policy' | 'grant' | null;
  /** The policy that decided, as it was then (core/deciders/policy.ts); null for any other decider. */
  decided_by_policy: DecidedByPolicy | null;
  /** The standing grant that approved, as it was then (core/deciders/grant.ts); null for any other decider. */
  decided_by_grant: DecidedByGrant | null;
  decision_comment: string | null;
  cancelled_at: Date | null;
  expired_at: Date | null;
  execution_status: ExecutionStatus | null;
  execution_message: string | null;
  execution_url: string | null;
  execution_reported_at: Date | null;
  /** The revoke window after an approval (core/approvals/state-machine.ts, revoke), and the revocation. */
  revocable_for_seconds: number | null;
  revoked_at: Date | null;
  revoked_by_type: 'connection' | 'user' | null;
  revoked_by_id: string | null;
  revoked_by_name: string | null;
  revocation_reason: string | null;
  /** Paths of metadata / changes the requester marked sensitive (core/approval-view.ts masks them). */
  redact: string[];
  /** The flow and version this request is a run of. */
  flow_id: string | null;
  flow_version: number | null;
  /** The routing rule that chose who decides (modules/routing), as it was then; null when none did. */
  routing: Routing | null;
  /** Whether anyone waits for the answer at callback_url (jobs/waiter-probes.ts); null until known. */
  waiter_state: 'present' | 'gone' | null;
  waiter_reason: string | null;
  waiter_since: Date | null;
  waiter_checked_at: Date | null;
  /** The API the request was created through: v1, or a peer API (dialects/). */
  created_via: CreatedVia;
  /** What the reviewer answers when approving (docs/answers.md); null when nothing is asked. Fixed at create. */
  response_schema: ResponseSchema | null;
  /** Paths of metadata / changes.after the reviewer may change before approving. Fixed at create. */
  editable: string[];
  /** The approving vote's answer, validated, defaults filled in; null until approved (greenlight_decide). */
  response: Record<string, unknown> | null;
  /** The approving vote's edits, each with its value before and after; empty when none. */
  edits: Edit[];
  /**
   * contentSha256 of the request, recorded at create for one that asks for no input (no
   * response_schema, nothing editable), whose content no vote changes; null for one that asks, and for
   * one written before it was recorded. What a vote without input approves (greenlight_decide's `fast`).
   */
  content_sha256: string | null;
}

/** The columns a reader selects: everything the API shows (`toApproval`). */
const READ = [
  'id', 'seq', 'org_id', 'connection_id', 'requested_by_type', 'requested_by_id', 'requested_by_name', 'title', 'description',
  'status', 'priority', 'action_type', 'source', 'metadata', 'required_approvals', 'current_approvals', 'is_sequential',
  'callback_url', 'external_id', 'idempotency_key', 'tags', 'changes', 'resource', 'comments_count', 'created_at', 'updated_at',
  'expires_at', 'on_expiry', 'decided_at', 'decided_by', 'decided_by_type', 'decided_by_policy', 'decided_by_grant', 'decision_comment', 'cancelled_at',
  'expired_at', 'execution_status', 'execution_message', 'execution_url', 'execution_reported_at', 'redact', 'flow_id', 'flow_version',
  'routing',
  'revocable_for_seconds', 'revoked_at', 'revoked_by_type', 'revoked_by_id', 'revoked_by_name', 'revocation_reason',
  'waiter_state', 'waiter_reason', 'waiter_since', 'waiter_checked_at', 'created_via',
  'response_schema', 'editable', 'response', 'edits', 'content_sha256',
] as const satisfies readonly (keyof ApprovalRecord)[];

export type ApprovalRow = Pick<ApprovalRecord, (typeof READ)[number]>;

/** The select list of an ApprovalRow from `approvals a`. */
export const APPROVAL_COLUMNS = READ.map((c) => (c === 'seq' ? 'a.seq::text AS seq' : `a.${c}`)).join(', ');

/**
 * The request of `approvals a` as one JSON value named `approval`, read back with approvalFromJson: for
 * the reads of one request on the hottest ways (a GET, a woken long poll, an event stream). The driver
 * takes about twice the CPU for the row's sixty typed columns (a description and a parser looked up for
 * each column on every statement, an object of sixty keys built for the row) as for the same row as
 * one value: 176 against 90 µs a read in a loop on one connection, Postgres's time the same
 * (bench/README.md). A page of a list stays in columns: there Postgres's share grew more than the
 * driver's fell.
 */
export const APPROVAL_JSON = 'to_json(a) AS approval';

const DECISION = ['status', 'decision_comment', 'decided_at', 'cancelled_at', 'expired_at', 'revoked_at'] as const satisfies readonly (keyof ApprovalRecord)[];

/**
 * How a request was decided, as what answers an automation once the request ended reads it (a GitHub
 * deployment review, an engine's resume): the status, the comment, when it ended, whether an approval
 * was revoked.
 */
export type ApprovalDecision = Pick<ApprovalRecord, (typeof DECISION)[number]>;

/** The select list of an ApprovalDecision from `approvals a`. */
export const DECISION_COLUMNS = DECISION.map((c) => `a.${c}`).join(', ');

/**
 * The row lock every change of a request takes on it before it writes (a vote, a cancellation, a
 * comment, a revocation, a receipt, a person leaving, a waiter's probe, the expiry sweep's claim), so
 * changes of one request queue behind each other. Not FOR UPDATE: no change touches the request's key,
 * and FOR UPDATE would also wait for (and hold up) every transaction that only inserts a row referring
 * to the request, whose foreign key takes FOR KEY SHARE (a notification's emails, a delivery, another
 * writer's event). storage/functions/greenlight_lock_pending.sql takes the same lock.
 */
export const CHANGE_LOCK = 'FOR NO KEY UPDATE';

/**
 * The condition "this request, in this org" for a statement kept prepared (a named statement, or one
 * inside a PL/pgSQL function): `$id` and `$org` are its parameters. Postgres plans such a statement
 * once per connection for any parameters (a generic plan), and a connection opened on a new
 * database, when `approvals` is still nearly empty and never analyzed, found an index that starts with
 * `org_id` as cheap as the primary key and kept that plan: every read of one request then walked all
 * of its org's requests (1.4 ms instead of 0.05 under bench S1's load, growing with the table until
 * autovacuum analyzed it). `IS NOT DISTINCT FROM` is the same test for these non-null values but no
 * index can serve it, so the primary key is the only way in and the org is checked on the row found.
 * storage/functions/greenlight_lock_pending.sql writes the same condition for the same reason.
 */
export const IN_ORG = (id: string, org: string) => `a.id = ${id} AND a.org_id IS NOT DISTINCT FROM ${org}`;

/** A request by id, if it is in the org: what a long poll reads again on each wake-up, prepared on each connection (`GET /approvals/:id` reads it with its run: core/run.ts). */
export async function approvalInOrg(db: Queryable, orgId: string, id: string): Promise<ApprovalRow | undefined> {
  const { rows } = await db.query<{ approval: Record<string, unknown> }>(`SELECT ${APPROVAL_JSON} FROM approvals a WHERE ${IN_ORG('$1', '$2')}`, [id, orgId], {
    prepare: 'approval_in_org',
  });
  return rows[0] && approvalFromJson(rows[0].approval);
}

/**
 * What a create writes (storage/functions/greenlight_create_approvals.sql takes these keys as JSON);
 * every other column starts at the table's default (`pending`, no votes, now). Timestamps as ISO text.
 */
export type NewApproval = Pick<
  ApprovalRecord,
  | 'id' | 'org_id' | 'connection_id' | 'requested_by_type' | 'requested_by_id' | 'requested_by_name' | 'title' | 'description'
  | 'priority' | 'action_type' | 'source' | 'metadata' | 'required_approvals' | 'is_sequential' | 'callback_url'
  | 'callback_headers' | 'external_id' | 'idempotency_key' | 'request_fingerprint' | 'tags' | 'changes' | 'resource' | 'on_expiry'
  | 'redact' | 'flow_id' | 'flow_version'
> &
  Partial<Pick<ApprovalRecord, 'routing' | 'created_via' | 'response_schema' | 'editable'>> & { expires_at: string | null; revocable_for_seconds?: number | null };

const TIMESTAMPS = [
  'created_at', 'updated_at', 'expires_at', 'decided_at', 'cancelled_at', 'expired_at', 'execution_reported_at', 'revoked_at', 'waiter_since', 'waiter_checked_at',
] as const;

/**
 * An ApprovalRow from `to_json` of an `approvals` row. The transitions return the row as that one JSON
 * value: a driver parses it much faster than the row's typed columns (on PGlite, whose parser runs on
 * the database's thread, that was a third of a create's 1.5 ms). Timestamps (ISO strings in JSON,
 * microseconds cut to milliseconds as the drivers do) become Dates and `seq` a string, as in
 * APPROVAL_COLUMNS; columns the API never shows are left on the object and never read.
 */
export function approvalFromJson(json: Record<string, unknown>): ApprovalRow {
  const row = json as Record<string, unknown>;
  for (const k of TIMESTAMPS) if (typeof row[k] === 'string') row[k] = new Date(row[k] as string);
  row.seq = String(row.seq);
  return row as unknown as ApprovalRow;
}

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * What approvers decide on, bound to the decision: SHA-256 (hex) of the RFC 8785 (JCS) canonical JSON
 * of `{title, description, metadata, changes}`, computed from the stored row as the API shows it
 * (`changes` null when none were given), with `edits` applied when the approving reviewer changed
 * editable fields (the content of `approved_content`: what was approved, not what was asked). JCS
 * fixes key order, number formatting and string escaping, so any client can recompute the digest from
 * a GET of the request with a JCS library and compare it with the `approved_content_sha256` of the
 * decision event.
 *
 * The fields hashed are immutable after creation (nothing updates them), and edits are written only by
 * the approving vote, whose events carry the digest of the content with its own edits: the digest on
 * a pending request is the one a decision without edits will carry.
 */
export function contentSha256(a: Pick<ApprovalRecord, 'title' | 'description' | 'metadata' | 'changes'>, edits: readonly Edit[] = []): string {
  const content = applyEdits({ metadata: a.metadata, changes: a.changes ?? null }, edits);
  const canonical = canonicalize({ title: a.title, description: a.description, metadata: content.metadata, changes: content.changes });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** What was approved: metadata and changes with the approving vote's edits applied; null unless approved. */
export function approvedContent(r: Pick<ApprovalRecord, 'status' | 'metadata' | 'changes' | 'edits'>): Approval['approved_content'] {
  if (r.status !== 'approved') return null;
  return applyEdits({ metadata: r.metadata, changes: r.changes ?? null }, r.edits ?? []);
}

const entityAction = (actionType: string | null): EntityAction | null =>
  (ENTITY_ACTIONS as readonly (string | null)[]).includes(actionType) ? (actionType as EntityAction) : null;

/**
 * The request in full, as its own callback and the operator see it. Answers to anyone else go
 * through `forViewer` (core/approval-view.ts), which hides the callback and masks the fields marked
 * sensitive from those who may not see them.
 */
export function toApproval(r: ApprovalRow): Approval {
  return {
    id: r.id,
    org_id: r.org_id,
    connection_id: r.connection_id,
    title: r.title,
    description: r.description,
    status: r.status,
    priority: r.priority,
    action_type: r.action_type,
    source: r.source,
    metadata: r.metadata,
    required_approvals: r.required_approvals,
    current_approvals: r.current_approvals,
    is_sequential: r.is_sequential,
    callback_url: r.callback_url,
    has_callback: r.callback_url !== null,
    external_id: r.external_id,
    idempotency_key: r.idempotency_key,
    tags: r.tags,
    changes: r.changes,
    resource: r.resource,
    entity_type: r.resource?.type ?? null,
    entity_id: r.resource?.id ?? null,
    entity_name: r.resource?.name ?? null,
    action: entityAction(r.action_type),
    requested_by: { type: r.requested_by_type, id: r.requested_by_id, name: r.requested_by_name },
    comments_count: r.comments_count,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    expires_at: iso(r.expires_at),
    on_expiry: r.on_expiry,
    decided_at: iso(r.decided_at),
    decided_by: r.decided_by,
    decided_by_id: r.decided_by,
    decided_by_type: r.decided_by_type ?? null,
    decided_by_policy: r.decided_by_policy ?? null,
    decided_by_grant: r.decided_by_grant ?? null,
    decision_comment: r.decision_comment,
    decision_note: r.decision_comment,
    cancelled_at: iso(r.cancelled_at),
    expired_at: iso(r.expired_at),
    // Recorded at create only where no vote can change the content (then edits are empty).
    approved_content_sha256: r.content_sha256 ?? contentSha256(r, r.edits ?? []),
    execution: r.execution_status
      ? { status: r.execution_status, message: r.execution_message, url: r.execution_url, reported_at: r.execution_reported_at!.toISOString() }
      : null,
    revocable_until: revocableUntil(r)?.toISOString() ?? null,
    revoked_at: iso(r.revoked_at),
    revoked_by: r.revoked_by_type ? { type: r.revoked_by_type, id: r.revoked_by_id, name: r.revoked_by_name } : null,
    revocation_reason: r.revocation_reason,
    redact: r.redact ?? [],
    redacted: false,
    flow_id: r.flow_id ?? null,
    flow_version: r.flow_version ?? null,
    routing: r.routing ?? null,
    waiter: waiterOf(r),
    created_via: r.created_via,
    // A row written by an older process, or read before the answers' columns existed, asks nothing.
    response_schema: r.response_schema ?? null,
    editable: r.editable ?? [],
    response: r.status === 'approved' ? (r.response ?? null) : null,
    edits: r.edits ?? [],
    approved_content: approvedContent(r),
  };
}

/**
 * The request's `waiter`: `unknown` until a probe or the callback answered; null without a callback
 * until someone waited on it by long poll.
 */
function waiterOf(r: Pick<ApprovalRow, 'callback_url' | 'waiter_state' | 'waiter_reason' | 'waiter_since' | 'waiter_checked_at'>): Approval['waiter'] {
  if (r.callback_url === null && !r.waiter_state) return null;
  // A row from before waiter detection (or written by an older process) has no waiter columns.
  if (!r.waiter_state) return { state: 'unknown', reason: r.waiter_reason ?? null, since: null, checked_at: iso(r.waiter_checked_at ?? null) };
  return { state: r.waiter_state, reason: r.waiter_reason, since: iso(r.waiter_since), checked_at: iso(r.waiter_checked_at) };
}

/**
 * The end of an approval's revoke window: `revocable_for_seconds` after the approval; null without a
 * window or before an approval. Shown to people; the revoke itself judges it by the database clock.
 */
export function revocableUntil(r: Pick<ApprovalRow, 'revocable_for_seconds' | 'decided_at' | 'status' | 'revoked_at'>): Date | null {
  if (r.revocable_for_seconds === null || r.decided_at === null) return null;
  if (r.status !== 'approved' && r.revoked_at === null) return null;
  return new Date(r.decided_at.getTime() + r.revocable_for_seconds * 1000);
}
