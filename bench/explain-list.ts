/**
 * Diagnostic, not part of `pnpm bench`: EXPLAIN ANALYZE of the list query shape (count + page, as in
 * list-approvals.ts) on 1M rows seeded as list-scale.ts does, for the pending list and the two searches.
 */
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { createDatabase, seed } from './lib.ts';
const SEED_SQL = /const SEED_SQL = `([\s\S]*?)`;/.exec(readFileSync('list-scale.ts', 'utf8'))![1]!;
const d = await createDatabase('explain');
try {
  const s = await seed({ DATABASE_URL: d.url, GREENLIGHT_DATA_DIR: '/x' }, 1);
  const c = new pg.Client({ connectionString: d.url });
  await c.connect();
  for (let i = 0; i < 1_000_000; i += 100_000) await c.query(SEED_SQL, [s.orgId, i + 1, i + 100_000]);
  await c.query('VACUUM ANALYZE approvals');
  const q = (filter: string) => `SELECT t.total, pr.id FROM (SELECT count(*)::int AS total FROM approvals a WHERE ${filter}) t
    LEFT JOIN LATERAL (SELECT a.id, a.created_at, a.seq FROM approvals a WHERE ${filter} ORDER BY a.created_at DESC, a.seq DESC LIMIT 101 OFFSET 0) pr ON true`;
  for (const [label, f] of [['pending', `a.org_id = $1 AND a.status = ANY(ARRAY['pending'])`], ['svc1234', `a.org_id = $1 AND a.search_vector @@ websearch_to_tsquery('english', 'svc1234')`], ['deploy production', `a.org_id = $1 AND a.search_vector @@ websearch_to_tsquery('english', 'deploy production')`]]) {
    const { rows } = await c.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) ${q(f!)}`, [s.orgId]);
    console.log(`--- ${label}\n` + rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
  await c.end();
} finally {
  await d.drop();
}
