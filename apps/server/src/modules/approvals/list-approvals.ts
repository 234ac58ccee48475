import { forViewer } from '../../core/approval-view.ts';
import { viewerCanColumns, viewerCanOfRow, withCan, type CanColumns } from '../../core/approvals/index.ts';
import { EXACT_TOTAL_UP_TO, type ListApprovalsQuery, type Routes } from '@greenlight/contract';
import { preparedName, type Queryable } from '../../storage/database.ts';
import type { AuthContext, Handler } from '../../context.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from '../../core/approval-record.ts';
import {
  Params,
  type Lister,
  afterCursorSql,
  countedByStatus,
  decodePageToken,
  encodePageToken,
  estimateSql,
  filterConditions,
  listStatementSql,
  planRows,
  servedInOrder,
  sortSpec,
  sortValueSql,
} from './query-approvals.ts';

type PageRow = { [K in keyof ApprovalRow]: ApprovalRow[K] | null } & { counted: number; sort_value: string | null } & CanColumns;

export interface ListApprovalsOptions {
  /** How far lists that an index serves in order are counted: the contract's promise. */
  countUpTo: number;
  /**
   * How far other lists are counted. Their count also chooses how the page is read, so it must
   * reach where reading the matches first stops paying against walking the index: about
   * sqrt(page × rows), 10,000 for a page of 100 in a million rows. That costs more than counting to
   * 1,000 (a broad search, some 20 ms on a million rows, most of its time) but a bound of 1,000
   * leaves lists of a few thousand sparse matches to the walk, which then reads half the table.
   */
  countToChooseUpTo: number;
}

/**
 * Lists filtered by who is asked now (`assigned`) count only up to the contract's bound, never to
 * `countToChooseUpTo`: each match is judged by the rule (greenlight_asked_now, some 50–100 µs a
 * request), so counting 10,000 of them took a second and a half for an inbox of ten thousand
 * waiting requests (bench/pending-scale.ts). Above the bound, the walk is cheap for these lists even
 * when the matches are sparse: the candidates' conditions (the pending steps' GIN indexes, no steps)
 * turn away the other requests before the rule is asked.
 */
const judgedByRule = (q: ListApprovalsQuery): boolean => q.assigned === 'me' || q.assigned === 'my_teams';

/**
 * Page numbers use OFFSET; a `page_token` continues after the last row of the previous page
 * (keyset), so rows inserted meanwhile neither shift nor repeat items. Either way the response
 * carries a token for the page after it.
 *
 * `total` is counted up to a bound (see `listStatementSql`); above it the planner's estimate is
 * reported with `total_exact: false`, raised to what the page itself shows to exist.
 */
export function listApprovalsWith(options: ListApprovalsOptions): Handler<Routes['listApprovals']> {
  return async ({ query, auth, deps }) => {
    const sort = sortSpec(query.sort, query.reverse);
    const cursor = query.page_token === undefined ? null : decodePageToken(query, query.page_token);
    const page = cursor ? cursor.page : query.page;
    const pageSize = query.page_size;

    const read = servedInOrder(query, sort) ? 'walk' : 'by-count';
    const maintained = read === 'walk' && countedByStatus(query, sort);
    const countUpTo = read === 'walk' || judgedByRule(query) ? options.countUpTo : options.countToChooseUpTo;
    const p = new Params();
    const who = listerOf(auth);
    const filters = filterConditions(auth.org.id, query, p, who).join(' AND ');
    const counts = maintained ? { org: p.add(auth.org.id), statuses: p.add(query.status) } : null;
    const offset = cursor ? 0 : (page - 1) * pageSize;
    const sql = listStatementSql({
      filters,
      cursor: cursor ? afterCursorSql(sort, cursor, p) : null,
      sort,
      // One row more than the page tells whether another page follows, without a second count.
      limit: p.add(pageSize + 1),
      offset: p.add(offset),
      countUpTo: maintained ? '' : p.add(countUpTo),
      columns: `${APPROVAL_COLUMNS}, ${sortValueSql(sort)} AS sort_value`,
      // What the caller may do with each request, read with the page: no statement of its own.
      pageColumns: viewerCanColumns('page_rows', auth, (v: unknown) => p.add(v)),
      read,
      maintained: counts,
    });
    // Only the pending list's kind (one status by creation time, counted by the maintained count) is
    // kept prepared: the index hands out its page in order whatever the values, and it is the list
    // asked most (S1's mix). Sent unnamed, it was parsed on every call, a quarter to a third of its
    // time in Postgres. Left to itself Postgres still planned it for its values at every call (a
    // generic plan cannot know the page's LIMIT, and costs more in its eyes), a third of the list's
    // time there; it runs from its generic plan, that same walk of the index. Its texts differ only
    // by the order's direction and a cursor: four names at most on a connection. The other lists
    // stay unnamed, planned for their values: their reads are gated on counts (listStatementSql),
    // and a plan kept for one org's values could walk another's whole table.
    const { rows } = await deps.db.query<PageRow>(sql, p.values, maintained ? { prepare: preparedName('list', sql), generic: true } : undefined);

    // The LEFT JOIN keeps the count when the page is empty.
    const counted = rows[0]?.counted ?? 0;
    const items = rows.filter((r) => r.id !== null) as unknown as (ApprovalRow & CanColumns & { sort_value: string })[];
    const hasMore = items.length > pageSize;
    const data = items.slice(0, pageSize);
    const last = data[data.length - 1];
    const next_page_token =
      hasMore && last ? encodePageToken(query, { value: last.sort_value, seq: last.seq, page: page + 1 }) : null;

    let total = counted;
    let exact = counted <= countUpTo;
    if (!exact) {
      if (!cursor && !hasMore && data.length > 0) {
        // A numbered page that ends the list knows how many rows came before it.
        total = offset + data.length;
        exact = true;
      } else if (!maintained) {
        // A maintained count is the total however large and needs no estimate; `total_exact` still
        // keeps the contract's promise, counted exactly up to the bound.
        // What this page proves to exist; a cursor's page or an empty page past the end proves nothing.
        const shown = cursor || data.length === 0 ? 0 : offset + data.length + (hasMore ? 1 : 0);
        total = Math.max(await estimatedMatches(deps.db, auth.org.id, query, who), countUpTo + 1, shown);
      }
    }

    return {
      status: 200,
      body: {
        data: data.map((r) => withCan(forViewer(auth, toApproval(r)), viewerCanOfRow(auth, r))),
        pagination: { page, page_size: pageSize, total, total_pages: Math.ceil(total / pageSize), total_exact: exact },
        next_page_token,
      },
    };
  };
}

/** The person behind the caller (signed in, or the person of an OAuth grant); null for an API key. */
const listerOf = (auth: AuthContext): Lister | null =>
  auth.user ? { userId: auth.user.id, decides: auth.user.role === 'approver' || auth.user.role === 'admin' } : null;

/** The planner's row estimate for the filters: one more planning, no rows read. */
async function estimatedMatches(db: Queryable, orgId: string, query: ListApprovalsQuery, who: Lister | null): Promise<number> {
  const p = new Params();
  const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(estimateSql(filterConditions(orgId, query, p, who).join(' AND ')), p.values);
  return planRows(rows[0]?.['QUERY PLAN']);
}

/** `countToChooseUpTo` of the server (`countUpTo` is the contract's EXACT_TOTAL_UP_TO). */
export const COUNT_TO_CHOOSE_UP_TO = 10_000;

export const listApprovals = listApprovalsWith({ countUpTo: EXACT_TOTAL_UP_TO, countToChooseUpTo: COUNT_TO_CHOOSE_UP_TO });
