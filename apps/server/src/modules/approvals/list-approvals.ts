import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../http/router.ts';
import { APPROVAL_COLUMNS, toApproval, type ApprovalRow } from './serialize.ts';
import {
  Params,
  afterCursorSql,
  decodePageToken,
  encodePageToken,
  filterConditions,
  orderBySql,
  sortSpec,
  sortValueSql,
} from './query-approvals.ts';

type PageRow = { [K in keyof ApprovalRow]: ApprovalRow[K] | null } & { total: number; sort_value: string | null };

/**
 * Page numbers use OFFSET; a `page_token` continues after the last row of the previous page
 * (keyset), so rows inserted meanwhile neither shift nor repeat items. Either way the response
 * carries a token for the page after it.
 */
export const listApprovals: Handler<Routes['listApprovals']> = async ({ query, auth, deps }) => {
  const sort = sortSpec(query.sort);
  const cursor = query.page_token === undefined ? null : decodePageToken(query, query.page_token);
  const page = cursor ? cursor.page : query.page;
  const pageSize = query.page_size;

  const p = new Params();
  const filters = filterConditions(auth.org.id, query, p).join(' AND ');
  const pageWhere = cursor ? `${filters} AND ${afterCursorSql(sort, cursor, p)}` : filters;
  const offset = cursor ? 0 : (page - 1) * pageSize;
  // One row more than the page tells whether another page follows, without a second count.
  const limit = p.add(pageSize + 1);
  const skip = p.add(offset);

  // The total comes from the same statement; the LEFT JOIN keeps it when the page is empty.
  const { rows } = await deps.db.query<PageRow>(
    `SELECT t.total, page_rows.*
       FROM (SELECT count(*)::int AS total FROM approvals a WHERE ${filters}) t
       LEFT JOIN LATERAL (
         SELECT ${APPROVAL_COLUMNS}, a.seq AS seq_order, ${sortValueSql(sort)} AS sort_value
           FROM approvals a
          WHERE ${pageWhere}
          ORDER BY ${orderBySql(sort)}
          LIMIT ${limit} OFFSET ${skip}
       ) page_rows ON true
      ORDER BY ${orderBySql(sort, 'page_rows', 'seq_order')}`,
    p.values,
  );

  const total = rows[0]?.total ?? 0;
  const items = rows.filter((r) => r.id !== null) as unknown as (ApprovalRow & { sort_value: string })[];
  const hasMore = items.length > pageSize;
  const data = items.slice(0, pageSize);
  const last = data[data.length - 1];
  const next_page_token =
    hasMore && last ? encodePageToken(query, { value: last.sort_value, seq: last.seq, page: page + 1 }) : null;

  return {
    status: 200,
    body: {
      data: data.map(toApproval),
      pagination: { page, page_size: pageSize, total, total_pages: Math.ceil(total / pageSize) },
      next_page_token,
    },
  };
};
