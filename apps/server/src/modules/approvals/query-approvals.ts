import { z } from 'zod';
import type { ListApprovalsQuery } from '@greenlight/contract';
import { ApiError } from '../../http/errors.ts';
import { sha256OfCanonical } from './idempotency.ts';

/**
 * SQL pieces for listing approvals. Every value travels as a bind parameter; the only text
 * spliced into SQL comes from the fixed tables below, chosen by an enum the contract validated.
 */

type SortKey = ListApprovalsQuery['sort'];

const SORT_COLUMNS = ['created_at', 'updated_at', 'decided_at'] as const;

export interface SortSpec {
  column: (typeof SORT_COLUMNS)[number];
  descending: boolean;
}

export function sortSpec(sort: SortKey): SortSpec {
  const descending = sort.startsWith('-');
  const name = descending ? sort.slice(1) : sort;
  const column = SORT_COLUMNS.find((c) => c === name);
  if (!column) throw new Error(`unknown sort ${sort}`);
  return { column, descending };
}

/** Collects bind parameters and hands back their `$n` placeholders. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The WHERE conditions of the filters (org scope included), shared by the page and its total. */
export function filterConditions(orgId: string, q: ListApprovalsQuery, p: Params): string[] {
  const where = [`a.org_id = ${p.add(orgId)}`];
  if (q.status) where.push(`a.status = ANY(${p.add(q.status)}::text[])`);
  if (q.priority) where.push(`a.priority = ANY(${p.add(q.priority)}::text[])`);
  if (q.search) where.push(`a.search_vector @@ websearch_to_tsquery('english', ${p.add(q.search)})`);
  if (q.external_id) where.push(`a.external_id = ${p.add(q.external_id)}`);
  if (q.idempotency_key) where.push(`a.idempotency_key = ${p.add(q.idempotency_key)}`);
  if (q.action_type) where.push(`a.action_type = ${p.add(q.action_type)}`);
  if (q.source) where.push(`a.source = ${p.add(q.source)}`);
  if (q.tags) where.push(`a.tags @> ${p.add(JSON.stringify(q.tags))}::jsonb`);
  if (q.created_after) where.push(`a.created_at > ${p.add(q.created_after)}::timestamptz`);
  if (q.updated_after) where.push(`a.updated_at > ${p.add(q.updated_after)}::timestamptz`);
  if (q.decided_after) where.push(`a.decided_at > ${p.add(q.decided_after)}::timestamptz`);
  // Undecided rows have no place in an order by decision time.
  if (sortSpec(q.sort).column === 'decided_at') where.push('a.decided_at IS NOT NULL');
  return where;
}

/**
 * The sort value as text with microseconds, in UTC. A JavaScript Date keeps only milliseconds,
 * and a cursor rounded to the millisecond would skip or repeat requests created within one.
 */
export const sortValueSql = (s: SortSpec) => `to_char(a.${s.column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** `seqColumn` is `seq` on the table, or the alias a wrapping query gave the raw bigint. */
export function orderBySql(s: SortSpec, alias = 'a', seqColumn = 'seq'): string {
  const dir = s.descending ? 'DESC' : 'ASC';
  return `${alias}.${s.column} ${dir}, ${alias}.${seqColumn} ${dir}`;
}

/** Rows strictly after the cursor in the list's order; `seq` breaks ties between equal timestamps. */
export function afterCursorSql(s: SortSpec, cursor: Cursor, p: Params): string {
  const op = s.descending ? '<' : '>';
  return `(a.${s.column}, a.seq) ${op} (${p.add(cursor.value)}::timestamptz, ${p.add(cursor.seq)}::bigint)`;
}

// ── page tokens ──────────────────────────────────────────────────────────────────────────

const CursorSchema = z
  .object({
    v: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
    s: z.string().regex(/^[1-9]\d{0,18}$/),
    p: z.number().int().min(2).max(10_000_000),
    h: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
  })
  .strict();

export interface Cursor {
  value: string;
  seq: string;
  page: number;
}

/**
 * Binds a token to the filters and sort it was issued for: the same position means nothing in
 * another ordering or result set. `page_size` may change between pages; the position stays valid.
 */
function filterHash(q: ListApprovalsQuery): string {
  const { page: _page, page_size: _size, page_token: _token, ...filters } = q;
  // `status=pending,approved` and `status=approved,pending` select the same rows.
  if (filters.status) filters.status = [...filters.status].sort();
  if (filters.priority) filters.priority = [...filters.priority].sort();
  return Buffer.from(sha256OfCanonical(filters), 'hex').subarray(0, 16).toString('base64url');
}

/** Opaque to clients; not a secret: it only names a position in the caller's own org's list. */
export function encodePageToken(q: ListApprovalsQuery, cursor: Cursor): string {
  const token: z.infer<typeof CursorSchema> = { v: cursor.value, s: cursor.seq, p: cursor.page, h: filterHash(q) };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

const invalidToken = (why: string) => new ApiError('INVALID_PAGE_TOKEN', `page_token ${why}`);

export function decodePageToken(q: ListApprovalsQuery, token: string): Cursor {
  let raw: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken('is not a token this API issued');
  }
  const parsed = CursorSchema.safeParse(raw);
  if (!parsed.success) throw invalidToken('is not a token this API issued');
  if (parsed.data.h !== filterHash(q)) throw invalidToken('was issued for different filters or sort order');
  return { value: parsed.data.v, seq: parsed.data.s, page: parsed.data.p };
}
