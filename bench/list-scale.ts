/**
 * P4: GET /api/v1/approvals?status=pending&page_size=100 (the newest 100 pending) with a small and a large
 * table, and full-text search on the large one. Rows are seeded in bulk with INSERT … SELECT
 * generate_series, in chunks, within a time budget: if the large size cannot be reached in time on
 * this machine, the largest size reached is used and reported.
 */
import pg from 'pg';
import { createDatabase, percentile, record, seed, startServer, storageEnv } from './lib.ts';

const SMALL = Number(process.env.BENCH_P4_SMALL ?? 10_000);
const LARGE = Number(process.env.BENCH_P4_LARGE ?? 1_000_000);
const BUDGET_MS = Number(process.env.BENCH_P4_SEED_BUDGET_MS ?? 75_000);
const CHUNK = 50_000;
const SAMPLES = 200;

// One in four pending; words vary so that search has selective and broad terms.
const SEED_SQL = `
INSERT INTO approvals (org_id, connection_id, requested_by_type, title, description, status, priority, created_at, updated_at,
                       decided_at)
SELECT $1, NULL, 'system',
       'Deploy svc' || (g % 5000) || ' to ' || (ARRAY['production','staging','canary','eu-west'])[1 + g % 4],
       'Rollout ' || g || ' of build ' || md5(g::text) || ' requested by the ' || (ARRAY['payments','search','billing','growth'])[1 + g % 4] || ' team',
       (ARRAY['pending','approved','rejected','expired'])[1 + g % 4],
       (ARRAY['low','medium','high','critical'])[1 + g % 4],
       now() - make_interval(secs => ($3::int - g)),
       now() - make_interval(secs => ($3::int - g)),
       CASE WHEN g % 4 IN (1, 2) THEN now() ELSE NULL END
  FROM generate_series($2::int, $3::int) AS g`;

async function seeded(target: number, budgetMs: number) {
  const database = await createDatabase(`list${target}`);
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const s = await seed(storage, 1);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const t0 = Date.now();
  let rows = 0;
  while (rows < target && Date.now() - t0 < budgetMs) {
    const to = Math.min(target, rows + CHUNK);
    await client.query(SEED_SQL, [s.orgId, rows + 1, to]);
    rows = to;
  }
  await client.query('VACUUM ANALYZE approvals');
  await client.end();
  return { database, storage, key: s.keys[0]!, rows, seedSeconds: Number(((Date.now() - t0) / 1000).toFixed(1)) };
}

interface Answer {
  data?: unknown[];
  pagination?: { total: number; total_exact?: boolean };
}

async function timed(url: string, key: string, query: string) {
  const lat: number[] = [];
  let body: Answer = {};
  for (let i = 0; i < SAMPLES + 20; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/approvals?${query}`, { headers: { authorization: `Bearer ${key}` } });
    body = (await res.json()) as Answer;
    if (res.status !== 200) throw new Error(`list answered ${res.status}: ${JSON.stringify(body)}`);
    if (i >= 20) lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  // What was answered, so a fast answer cannot hide a short page or a total that is no longer counted.
  const total = body.pagination?.total ?? null;
  const exact = body.pagination?.total_exact ?? true;
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), items: body.data?.length ?? 0, total, exact };
}

async function measure(target: number, budgetMs: number, search: boolean) {
  const s = await seeded(target, budgetMs);
  try {
    const server = await startServer(storageEnv(s.storage));
    try {
      const list = await timed(server.url, s.key, 'status=pending&page_size=100');
      const selective = search ? await timed(server.url, s.key, 'search=svc1234&page_size=100') : undefined;
      const broad = search ? await timed(server.url, s.key, 'search=deploy%20production&page_size=100') : undefined;
      return { rows: s.rows, seedSeconds: s.seedSeconds, list, selective, broad };
    } finally {
      await server.stop();
    }
  } finally {
    await s.database.drop();
  }
}

const answer = (t: Awaited<ReturnType<typeof timed>>) => `${t.items} items, total ${t.exact ? '' : '≈'}${t.total}`;

const small = await measure(SMALL, BUDGET_MS, false);
const large = await measure(LARGE, BUDGET_MS, true);
const ratio = Number((large.list.p50 / small.list.p50).toFixed(2));
const f = {
  database: 'postgres',
  small_rows: small.rows,
  large_rows: large.rows,
  large_seed_seconds: large.seedSeconds,
  small_list_p50_ms: small.list.p50,
  large_list_p50_ms: large.list.p50,
  large_list_p99_ms: large.list.p99,
  list_ratio: ratio,
  search_selective_p50_ms: large.selective!.p50,
  search_broad_p50_ms: large.broad!.p50,
  search_broad_p99_ms: large.broad!.p99,
  // Items on the page and `pagination.total` (exact or estimated) each answered.
  small_list_answer: answer(small.list),
  large_list_answer: answer(large.list),
  search_selective_answer: answer(large.selective!),
  search_broad_answer: answer(large.broad!),
};
const worst = Math.max(f.search_selective_p50_ms, f.search_broad_p50_ms);
record(
  'list-scale',
  f,
  [
    `P4 newest 100 pending: ${small.rows} rows p50 ${small.list.p50} ms vs ${large.rows} rows p50 ${large.list.p50} ms = ${ratio}× (target ≤ 1.3) ${ratio <= 1.3 ? 'MET' : 'MISSED'}` +
      (large.rows < LARGE ? ` — only ${large.rows} of ${LARGE} rows could be seeded within ${BUDGET_MS / 1000} s` : ''),
    `P4 search on ${large.rows} rows: selective "svc1234" p50 ${f.search_selective_p50_ms} ms, broad "deploy production" p50 ${f.search_broad_p50_ms} ms (target p50 ≤ 50 ms) ${worst <= 50 ? 'MET' : 'MISSED'}`,
    `P4 answers: list ${f.small_list_answer} (small), ${f.large_list_answer} (large); selective ${f.search_selective_answer}; broad ${f.search_broad_answer}`,
  ].join('\n'),
);
