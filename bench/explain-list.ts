/**
 * Diagnostic, not part of `pnpm bench`: EXPLAIN ANALYZE of the statements the list handler runs
 * (list-approvals.ts: the bounded count and the page in one statement, then the planner's estimate
 * when the count passes its bound), built with the handler's own SQL builders, on 1M rows seeded as
 * list-scale.ts does, for the pending list, the two searches and a search of ten rare terms.
 */
import pg from 'pg';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXACT_TOTAL_UP_TO, ListApprovalsQuery } from '../packages/contract/src/index.ts';
import { APPROVAL_COLUMNS } from '../apps/server/src/core/approval-record.ts';
import {
  Params,
  estimateSql,
  filterConditions,
  listStatementSql,
  servedInOrder,
  sortSpec,
  sortValueSql,
} from '../apps/server/src/modules/approvals/query-approvals.ts';
import { COUNT_TO_CHOOSE_UP_TO } from '../apps/server/src/modules/approvals/list-approvals.ts';
import { HERE, createDatabase, seed } from './lib.ts';
// Types only: the server's request augmentations (`req.log`, `req.id`: http/request-log.ts), which its error module relies on.
import type {} from '../apps/server/src/app.ts';

const SEED_SQL = /const SEED_SQL = `([\s\S]*?)`;/.exec(readFileSync(path.join(HERE, 'list-scale.ts'), 'utf8'))![1]!;
const d = await createDatabase('explain');
try {
  const s = await seed({ DATABASE_URL: d.url, GREENLIGHT_DATA_DIR: '/x' }, 1);
  const c = new pg.Client({ connectionString: d.url });
  await c.connect();
  for (let i = 0; i < 1_000_000; i += 100_000) await c.query(SEED_SQL, [s.orgId, i + 1, i + 100_000]);
  await c.query('VACUUM ANALYZE approvals');
  // The three, and ten rare terms at once (2,000 matches, which the statistics take for 49,000).
  const rare = Array.from({ length: 10 }, (_, i) => `svc${1001 + i}`).join(' or ');
  for (const qs of ['status=pending&page_size=100', 'search=svc1234&page_size=100', 'search=deploy production&page_size=100', `search=${rare}&page_size=100`]) {
    const query = ListApprovalsQuery.parse(Object.fromEntries(new URLSearchParams(qs)));
    const sort = sortSpec(query.sort);
    // As the handler decides: lists an index serves in order are walked and counted to the
    // contract's bound; others are counted further, and the count picks the way.
    const read = servedInOrder(query, sort) ? 'walk' : 'by-count';
    const countUpTo = read === 'walk' ? EXACT_TOTAL_UP_TO : COUNT_TO_CHOOSE_UP_TO;
    const p = new Params();
    const filters = filterConditions(s.orgId, query, p).join(' AND ');
    const sql = listStatementSql({
      filters,
      cursor: null,
      sort,
      limit: p.add(query.page_size + 1),
      offset: p.add(0),
      countUpTo: p.add(countUpTo),
      columns: `${APPROVAL_COLUMNS}, ${sortValueSql(sort)} AS sort_value`,
      read,
    });
    // Once before, as the benchmark's warm-up requests do: the figures are then those of a warm cache.
    await c.query(sql, p.values);
    const { rows } = await c.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) ${sql}`, p.values);
    console.log(`--- ${qs} (${read}, counted up to ${countUpTo})\n` + rows.map((r) => r['QUERY PLAN']).join('\n'));
    const e = new Params();
    const estimate = estimateSql(filterConditions(s.orgId, query, e).join(' AND '));
    // The server only plans this statement; the true count is read here to show how close the estimate is.
    const planned = await c.query(estimate.replace('(FORMAT JSON)', '(SUMMARY ON)'), e.values);
    const actual = await c.query(estimate.replace('EXPLAIN (FORMAT JSON) SELECT 1', 'SELECT count(*)::int AS n'), e.values);
    console.log(
      `--- ${qs}: the estimate the handler asks for when the count passes ${countUpTo} (true count ${actual.rows[0].n})\n` +
        planned.rows.map((r) => r['QUERY PLAN']).join('\n'),
    );
  }
  await c.end();
} finally {
  await d.drop();
}
