import { z } from 'zod';
import type { ListApprovalsQuery } from '@greenlight/contract';
import { ApiError } from '../../errors.ts';
import { sha256OfCanonical } from './idempotency.ts';
import { askedNowAndNotVotedSql } from '../../core/approvals/index.ts';

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

/** The list's order: `sort`, turned around by `reverse`. */
export function sortSpec(sort: SortKey, reverse = false): SortSpec {
  const name = sort.startsWith('-') ? sort.slice(1) : sort;
  const column = SORT_COLUMNS.find((c) => c === name);
  if (!column) throw new Error(`unknown sort ${sort}`);
  return { column, descending: sort.startsWith('-') !== reverse };
}

/** Collects bind parameters and hands back their `$n` placeholders. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Who lists: the person behind the caller (null for an API key), for `assigned`. */
export interface Lister {
  userId: string;
  /** Whether they may decide requests without steps (an approver or admin). */
  decides: boolean;
}

/**
 * `assigned=me`: the pending requests that ask the lister now and that they have not voted on, by the
 * one rule of who is asked now (greenlight_asked_now, through core/approvals/rules.ts). The GIN indexes
 * of pending steps' people and teams (034_delegation.sql) find the candidates with steps, so the rule
 * judges only those and the requests without steps.
 * `assigned=my_teams`: an active step (greenlight_active_steps) names a team the lister is in.
 */
function assignedConditions(orgParam: string, assigned: 'me' | 'my_teams', who: Lister, p: Params): string[] {
  const u = `${p.add(who.userId)}::uuid`;
  const o = `${orgParam}::uuid`;
  if (assigned === 'my_teams') {
    return [
      `a.status = 'pending'`,
      `EXISTS (SELECT 1 FROM greenlight_active_steps(a.id) s
                WHERE s.team_ids && ARRAY(SELECT tm.team_id FROM team_members tm WHERE tm.org_id = ${o} AND tm.user_id = ${u}))`,
    ];
  }
  // Candidates only: whose assignments may come to the lister (their own, and those of whoever they may
  // stand in for; every request, for an admin of an org where only admins decide). The rule judges them.
  const people = `ARRAY(SELECT ${u} UNION SELECT d.user_id FROM delegations d WHERE d.org_id = ${o} AND d.delegate_id = ${u})`;
  const teams = `ARRAY(SELECT tm.team_id FROM team_members tm WHERE tm.org_id = ${o} AND tm.user_id = ANY(${people}))`;
  return [
    `a.status = 'pending'`,
    `(a.id IN (SELECT s.approval_id FROM approval_steps s
                WHERE s.org_id = ${o} AND s.status = 'pending' AND (s.approver_ids && ${people} OR s.team_ids && ${teams}))
      OR (${who.decides ? 'true' : 'false'} AND NOT EXISTS (SELECT 1 FROM approval_steps s WHERE s.approval_id = a.id))
      OR EXISTS (SELECT 1 FROM orgs og JOIN memberships m ON m.org_id = og.id
                  WHERE og.id = ${o} AND og.resolve_policy = 'admin_only' AND m.user_id = ${u} AND m.role = 'admin'))`,
    askedNowAndNotVotedSql('a.id', u),
  ];
}

/** The WHERE conditions of the filters (org scope included), shared by the page and its total. */
export function filterConditions(orgId: string, q: ListApprovalsQuery, p: Params, who: Lister | null = null): string[] {
  const org = p.add(orgId);
  const where = [`a.org_id = ${org}`];
  if (q.assigned === 'me' || q.assigned === 'my_teams') {
    if (!who) {
      throw new ApiError('VALIDATION_ERROR', `assigned=${q.assigned} lists what waits for a person: sign in, or use an OAuth grant acting for one`, {
        location: 'query',
        issues: [{ path: 'assigned', code: 'custom', message: 'an API key is not a person' }],
      });
    }
    where.push(...assignedConditions(org, q.assigned, who, p));
  }
  // One status as `=`: the planner then reads the (org, status, created_at) index in order. With
  // `= ANY` it cannot, and walked the org's created_at index testing the status of every row.
  if (q.status) where.push(q.status.length === 1 ? `a.status = ${p.add(q.status[0])}::text` : `a.status = ANY(${p.add(q.status)}::text[])`);
  if (q.priority) where.push(`a.priority = ANY(${p.add(q.priority)}::text[])`);
  if (q.search) where.push(`a.search_vector @@ websearch_to_tsquery('english', ${p.add(q.search)})`);
  if (q.external_id) where.push(`a.external_id = ${p.add(q.external_id)}`);
  if (q.idempotency_key) where.push(`a.idempotency_key = ${p.add(q.idempotency_key)}`);
  if (q.action_type) where.push(`a.action_type = ${p.add(q.action_type)}`);
  if (q.entity_type) where.push(`a.resource->>'type' = ${p.add(q.entity_type)}`);
  if (q.entity_id) where.push(`a.resource->>'id' = ${p.add(q.entity_id)}`);
  if (q.source) where.push(`a.source = ${p.add(q.source)}`);
  // The tags index holds only tagged requests (migration 110): a filter naming a tag says so, for the planner to use it.
  if (q.tags) where.push(`a.tags @> ${p.add(JSON.stringify(q.tags))}::jsonb${Object.keys(q.tags).length > 0 ? ` AND a.tags <> '{}'::jsonb` : ''}`);
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

// ── the list statement ──────────────────────────────────────────────────────────────────

/**
 * Whether an index of approvals (001_init.sql) hands out the list's rows in the list's order with
 * nothing left to test: the org's rows by created_at, updated_at or decided_at (its partial index
 * holds exactly the decided ones), or one status's rows by created_at; a range on the sort column
 * only bounds that walk. Then a page costs its own rows, however many match. Any other filter is
 * tested row by row during the walk, and a rare match makes that walk long.
 */
export function servedInOrder(q: ListApprovalsQuery, s: SortSpec): boolean {
  // Whatever is not named here (a filter added later included) counts as a filter to test.
  const { page: _p, page_size: _ps, page_token: _t, sort: _s, reverse: _r, status, created_after, updated_after, decided_after, ...tested } = q;
  if (Object.entries(tested).some(([k, v]) => v !== undefined && !(k === 'assigned' && v === 'all'))) return false;
  const ranges = { created_at: created_after, updated_at: updated_after, decided_at: decided_after };
  if (Object.entries(ranges).some(([column, after]) => after !== undefined && column !== s.column)) return false;
  return status === undefined || (status.length === 1 && s.column === 'created_at');
}

/**
 * Whether the list's total is a maintained count (approval_counts, storage/functions/approval_counts.sql):
 * the org's requests in the given statuses, with no other filter. Counting those instead meant
 * scanning past every request in another status first: the pending list of a table being written to
 * counted through all the decided ones, more each minute. A list without a status filter finds its
 * first matches in the first rows it reads and keeps the bounded count. Ordered by decision time the
 * list leaves out undecided requests, which the counts include.
 */
export function countedByStatus(q: ListApprovalsQuery, s: SortSpec): boolean {
  const { page: _p, page_size: _ps, page_token: _t, sort: _s, reverse: _r, status, ...others } = q;
  return status !== undefined && s.column !== 'decided_at' && Object.entries(others).every(([k, v]) => v === undefined || (k === 'assigned' && v === 'all'));
}

export interface ListStatement {
  /** The filters (org scope included): what `total` counts. */
  filters: string;
  /** On a cursor page, the cursor condition (`afterCursorSql`); null on a numbered page. */
  cursor: string | null;
  sort: SortSpec;
  /** Placeholders of the row limit (page size + 1) and the offset. */
  limit: string;
  offset: string;
  /** Placeholder of the counting bound. */
  countUpTo: string;
  /**
   * For a list filtered by status alone (`countedByStatus`): placeholders of the org and of its
   * statuses. The total is then the maintained count, read in constant time.
   */
  maintained?: { org: string; statuses: string } | null;
  /** The selected columns, `a.` being the approvals row. */
  columns: string;
  /**
   * Columns computed over the chosen page only (`page_rows` being its row), after it is chosen: what
   * the caller may do with each request (rules.ts, viewerCanColumns), for at most the page's rows
   * and the one after it, never for a match the page leaves out.
   */
  pageColumns?: string;
  /**
   * `walk`: the sort order's index, always (for lists `servedInOrder`). `by-count`: the page is
   * sorted from the matches when there are at most `countUpTo`, read by the walk otherwise.
   */
  read: 'walk' | 'by-count';
}

/**
 * One statement, one snapshot: the total and the page always agree.
 *
 * The matches are counted, but only to one past `countUpTo`: beyond it the count would cost time in
 * proportion to the list (a quarter million pending requests take tens of milliseconds to count,
 * their first page a fraction of one), and the caller reports an estimate instead.
 *
 * With `by-count`, the count also picks how the page is read, because the planner cannot be trusted
 * to: for a term that is rare but not rare by its statistics it walks the sort index from the
 * newest row, testing every request of the org until it has found a page (half a million rows for
 * a term with 200 matches). So `matches` keeps what it counts — sort value and seq, through the
 * filter's own index (the search GIN, the tags GIN) where there is one — and:
 * - few matches (all of them counted): sort those few and join the page's rows;
 * - many matches: walk the sort index, which meets a page of matches after a short distance (with
 *   more than 10,000 matches, a page of 100 within about 1% of the org's rows).
 * Each branch is gated on the count by a condition without a row in it, which Postgres decides once
 * before the branch would start: the branch not chosen is never executed. Both branches apply the
 * same conditions, order and OFFSET, so the page is the same whichever runs.
 */
export function listStatementSql(q: ListStatement): string {
  const pageWhere = q.cursor ? `${q.filters} AND ${q.cursor}` : q.filters;
  const walk = (gate: string) => `SELECT ${q.columns}, a.seq AS seq_order
         FROM approvals a
        WHERE ${pageWhere}${gate}
        ORDER BY ${orderBySql(q.sort)}
        LIMIT ${q.limit} OFFSET ${q.offset}`;
  const select = `SELECT counted.n AS counted, page_rows.*${q.pageColumns ? `, ${q.pageColumns}` : ''}
      FROM counted LEFT JOIN page_rows ON true
     ORDER BY ${orderBySql(q.sort, 'page_rows', 'seq_order')}`;
  if (q.read === 'walk' && q.maintained) {
    return `WITH counted AS MATERIALIZED (
        SELECT coalesce(sum(c.n), 0)::int AS n FROM approval_counts c
         WHERE c.org_id = ${q.maintained.org}::uuid AND c.status = ANY(${q.maintained.statuses}::text[])
      ),
      page_rows AS (${walk('')})
      ${select}`;
  }
  if (q.read === 'walk') {
    return `WITH counted AS MATERIALIZED (
        SELECT count(*)::int AS n FROM (SELECT 1 FROM approvals a WHERE ${q.filters} LIMIT ${q.countUpTo}::int + 1) bounded
      ),
      page_rows AS (${walk('')})
      ${select}`;
  }
  // The cursor condition names `a`: the matches are read back under that name.
  return `WITH matches AS MATERIALIZED (
      SELECT a.${q.sort.column}, a.seq FROM approvals a WHERE ${q.filters} LIMIT ${q.countUpTo}::int + 1
    ),
    counted AS MATERIALIZED (SELECT count(*)::int AS n FROM matches),
    page_rows AS (
      (${walk(` AND (SELECT n > ${q.countUpTo} FROM counted)`)})
      UNION ALL
      (SELECT ${q.columns}, a.seq AS seq_order
         FROM (SELECT a.seq FROM matches a
                WHERE ${q.cursor ?? 'true'} AND (SELECT n <= ${q.countUpTo} FROM counted)
                ORDER BY ${orderBySql(q.sort)} LIMIT ${q.limit} OFFSET ${q.offset}) chosen
         JOIN approvals a ON a.seq = chosen.seq)
    )
    ${select}`;
}

/** The planner's estimate of how many rows `filters` match, for a total too large to count. */
export function estimateSql(filters: string): string {
  return `EXPLAIN (FORMAT JSON) SELECT 1 FROM approvals a WHERE ${filters}`;
}

/** `Plan Rows` of EXPLAIN's JSON, parsed or not (drivers differ); 0 when it is not there. */
export function planRows(explained: unknown): number {
  let doc = explained;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return 0;
    }
  }
  const rows = Array.isArray(doc) ? (doc[0] as { Plan?: { 'Plan Rows'?: unknown } } | undefined)?.Plan?.['Plan Rows'] : undefined;
  return typeof rows === 'number' && Number.isFinite(rows) ? Math.round(rows) : 0;
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
