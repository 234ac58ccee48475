import type { Approval, ApprovalStatus, OnExpiry, Priority } from '@greenlight/contract';
import { contentSha256 } from './content-sha256.ts';

/** The columns every approval query selects; `toApproval` turns one such row into the API shape. */
export const APPROVAL_COLUMNS = `a.id, a.seq::text AS seq, a.org_id, a.connection_id, a.requested_by_type, a.requested_by_id, a.requested_by_name,
  a.title, a.description, a.status, a.priority, a.action_type, a.source, a.metadata, a.required_approvals, a.current_approvals,
  a.is_sequential, a.callback_url, a.external_id, a.idempotency_key, a.tags, a.changes, a.resource, a.comments_count,
  a.created_at, a.updated_at, a.expires_at, a.on_expiry, a.decided_at, a.decided_by, a.decision_comment, a.cancelled_at`;

const TIMESTAMPS = ['created_at', 'updated_at', 'expires_at', 'decided_at', 'cancelled_at'] as const;

/**
 * An ApprovalRow from `to_json` of an `approvals` row. Hot statements return the row as that one JSON
 * value: a driver parses it much faster than 32 typed columns (on PGlite, whose parser runs on the
 * database's thread, that was a third of a create's 1.5 ms; bench P5). Timestamps (ISO strings in
 * JSON, microseconds cut to milliseconds as the drivers do) become Dates and `seq` a string, as in
 * APPROVAL_COLUMNS; columns the API never shows are left on the object and never read.
 */
export function approvalFromJson(json: Record<string, unknown>): ApprovalRow {
  const row = json as Record<string, unknown>;
  for (const k of TIMESTAMPS) if (typeof row[k] === 'string') row[k] = new Date(row[k] as string);
  row.seq = String(row.seq);
  return row as unknown as ApprovalRow;
}

export interface ApprovalRow {
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
  external_id: string | null;
  idempotency_key: string | null;
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
  decision_comment: string | null;
  cancelled_at: Date | null;
}

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

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
    external_id: r.external_id,
    idempotency_key: r.idempotency_key,
    tags: r.tags,
    changes: r.changes,
    resource: r.resource,
    requested_by: { type: r.requested_by_type, id: r.requested_by_id, name: r.requested_by_name },
    comments_count: r.comments_count,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    expires_at: iso(r.expires_at),
    on_expiry: r.on_expiry,
    decided_at: iso(r.decided_at),
    decided_by: r.decided_by,
    decision_comment: r.decision_comment,
    cancelled_at: iso(r.cancelled_at),
    approved_content_sha256: contentSha256(r),
  };
}
