/**
 * P7: the scale of pending work. Two servers on Postgres, one whose org has 10,000 pending requests and
 * one whose org has 1,000,000 (every seeded row pending, none with steps: each asks every approver and
 * admin, the inbox's widest case), both taking creates at `BENCH_P7_RATE`/s while, request by request
 * on the two in turn (so the machine's moments fall on both sides):
 *
 * - the pending list, newest 20 (`status=pending&page_size=20`), as an API key reads it;
 * - the inbox's "waiting for me" (`status=pending&assigned=me&page_size=20`), as the org's admin reads
 *   it in the dashboard (a real session cookie);
 * - a decision (`PATCH …` approve, by an API key that did not ask) on the oldest pending request and on
 *   the newest seeded one, alternating, on the large table; and on the newest of the small one.
 *
 * Targets: the large side within 1.1× of the small one with creates running, and a decision on the
 * oldest request as fast as on the newest (≤ 1.1× on p50). Rows are seeded with INSERT … SELECT generate_series in chunks
 * within `BENCH_P7_SEED_BUDGET_MS`; if 1M is not reached, the size reached is used and reported.
 */
import pg from 'pg';
import { createDatabase, decide, load, percentile, record, seed, startServer, storageEnv, uptimeLoad, LOAD_KEYS } from './lib.ts';
import { openDatabase } from '../apps/server/src/storage/open.ts';
import { createSession, SESSION_COOKIE } from '../apps/server/src/modules/users/sessions.ts';

const SMALL = Number(process.env.BENCH_P7_SMALL ?? 10_000);
const LARGE = Number(process.env.BENCH_P7_LARGE ?? 1_000_000);
const BUDGET_MS = Number(process.env.BENCH_P7_SEED_BUDGET_MS ?? 120_000);
const RATE = Number(process.env.BENCH_P7_RATE ?? 50);
const SAMPLES = Number(process.env.BENCH_P7_SAMPLES ?? 150);
const DECISIONS = Number(process.env.BENCH_P7_DECISIONS ?? 100);
const LOAD_SECONDS = Number(process.env.BENCH_P7_LOAD_SECONDS ?? 180);
const CHUNK = 50_000;

const SEED_SQL = `
INSERT INTO approvals (org_id, connection_id, requested_by_type, title, description, status, priority, created_at, updated_at)
SELECT $1, NULL, 'system', 'Seeded ' || g, 'seeded pending work', 'pending', (ARRAY['low','medium','high','critical'])[1 + g % 4],
       now() - make_interval(secs => ($3::int - g + 3600)), now() - make_interval(secs => ($3::int - g + 3600))
  FROM generate_series($2::int, $3::int) AS g`;

async function seeded(target: number) {
  const database = await createDatabase(`pending${target}`);
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const s = await seed(storage, LOAD_KEYS);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const t0 = Date.now();
  let rows = 0;
  while (rows < target && Date.now() - t0 < BUDGET_MS) {
    const to = Math.min(target, rows + CHUNK);
    await client.query(SEED_SQL, [s.orgId, rows + 1, to]);
    rows = to;
  }
  await client.query('VACUUM ANALYZE approvals');
  // The oldest and newest seeded requests, decided in turn below (the newest seeded, not the creates' ones).
  const ends = async (order: 'ASC' | 'DESC') =>
    (await client.query<{ id: string }>(`SELECT id FROM approvals WHERE org_id = $1 AND status = 'pending' ORDER BY created_at ${order}, id LIMIT $2`, [s.orgId, DECISIONS])).rows.map((r) => r.id);
  const oldest = await ends('ASC');
  const newest = await ends('DESC');
  const { rows: admins } = await client.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'admin'`, [s.orgId]);
  await client.end();
  const db = await openDatabase(storage);
  const session = await createSession(db, admins[0]!.user_id, s.orgId);
  await db.close();
  return {
    database,
    storage,
    keys: s.keys,
    decider: s.decider,
    cookie: `${SESSION_COOKIE}=${encodeURIComponent(session)}`,
    rows,
    oldest,
    newest,
    seedSeconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
  };
}

type Side = Awaited<ReturnType<typeof seeded>> & { url: string };

interface Page {
  data?: unknown[];
  pagination?: { total: number; total_exact?: boolean };
}

async function list(side: Side, query: string, as: 'key' | 'person'): Promise<{ ms: number; page: Page }> {
  const headers: Record<string, string> = as === 'key' ? { authorization: `Bearer ${side.keys[0]!}` } : { cookie: side.cookie };
  const start = performance.now();
  const res = await fetch(`${side.url}/api/v1/approvals?${query}`, { headers });
  const page = (await res.json()) as Page;
  if (res.status !== 200) throw new Error(`list answered ${res.status}: ${JSON.stringify(page)}`);
  return { ms: performance.now() - start, page };
}

async function decided(side: Side, id: string): Promise<number> {
  const start = performance.now();
  const status = await decide(side.url, side.decider, id);
  if (status !== 200) throw new Error(`decision on ${id} answered ${status}`);
  return performance.now() - start;
}

/** The same read on both sides in turn, the order flipped each round; the first 20 rounds warm up. */
async function together(sides: [Side, Side], query: string, as: 'key' | 'person') {
  const lat: [number[], number[]] = [[], []];
  const last: [Page, Page] = [{}, {}];
  for (let i = 0; i < SAMPLES + 20; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order as (0 | 1)[]) {
      const r = await list(sides[k], query, as);
      last[k] = r.page;
      if (i >= 20) lat[k].push(r.ms);
    }
  }
  return lat.map((l, k) => {
    l.sort((a, b) => a - b);
    const p = last[k]!;
    return { p50: percentile(l, 50), p99: percentile(l, 99), items: p.data?.length ?? 0, total: p.pagination?.total ?? null, exact: p.pagination?.total_exact ?? true };
  }) as [Summary, Summary];
}

interface Summary {
  p50: number;
  p99: number;
  items: number;
  total: number | null;
  exact: boolean;
}

async function measure() {
  const small = await seeded(SMALL);
  const large = await seeded(LARGE);
  const smallServer = await startServer(storageEnv(small.storage));
  const largeServer = await startServer(storageEnv(large.storage));
  try {
    const s: Side = { ...small, url: smallServer.url };
    const l: Side = { ...large, url: largeServer.url };
    // The creates run for LOAD_SECONDS; the timed part must end within them (checked below).
    const creates = Promise.all([
      load({ url: s.url, keys: s.keys, connections: 8, seconds: LOAD_SECONDS, rate: RATE }),
      load({ url: l.url, keys: l.keys, connections: 8, seconds: LOAD_SECONDS, rate: RATE }),
    ]);
    await new Promise((r) => setTimeout(r, 2000));
    const timedFrom = performance.now();
    const [pendingS, pendingL] = await together([s, l], 'status=pending&page_size=20', 'key');
    console.log(`pending list p50: ${pendingS.p50} ms (small) vs ${pendingL.p50} ms (large)`);
    const [inboxS, inboxL] = await together([s, l], 'status=pending&assigned=me&page_size=20', 'person');
    console.log(`inbox "waiting for me" p50: ${inboxS.p50} ms (small) vs ${inboxL.p50} ms (large)`);
    // Decisions: the large table's oldest and newest alternate; the small table's newest beside them.
    const oldest: number[] = [];
    const newest: number[] = [];
    const smallNewest: number[] = [];
    for (let i = 0; i < DECISIONS; i++) {
      const turn = [() => decided(l, l.oldest[i]!).then((ms) => oldest.push(ms)), () => decided(l, l.newest[i]!).then((ms) => newest.push(ms)), () => decided(s, s.newest[i]!).then((ms) => smallNewest.push(ms))];
      for (const f of i % 2 === 0 ? turn : turn.reverse()) await f();
    }
    const timedSeconds = (performance.now() - timedFrom) / 1000;
    if (timedSeconds + 2 > LOAD_SECONDS) throw new Error(`the timed part took ${timedSeconds.toFixed(0)} s, longer than the creates ran: raise BENCH_P7_LOAD_SECONDS`);
    const [createsS, createsL] = await creates;
    for (const xs of [oldest, newest, smallNewest]) xs.sort((a, b) => a - b);
    const r2 = (x: number) => Number(x.toFixed(2));
    return {
      database: 'postgres',
      small_pending: s.rows,
      large_pending: l.rows,
      large_seed_seconds: l.seedSeconds,
      create_rate: RATE,
      timed_seconds: Number(timedSeconds.toFixed(1)),
      creates: { small_rps: createsS.rps, large_rps: createsL.rps, small_p99_ms: createsS.p99_ms, large_p99_ms: createsL.p99_ms },
      pending_small_p50_ms: pendingS.p50,
      pending_large_p50_ms: pendingL.p50,
      pending_large_p99_ms: pendingL.p99,
      pending_ratio: r2(pendingL.p50 / pendingS.p50),
      inbox_small_p50_ms: inboxS.p50,
      inbox_large_p50_ms: inboxL.p50,
      inbox_large_p99_ms: inboxL.p99,
      inbox_ratio: r2(inboxL.p50 / inboxS.p50),
      // Items on the page and `pagination.total` (exact or estimated), so a fast answer cannot hide a short page.
      answers: {
        pending: [pendingS, pendingL].map((x) => `${x.items} items, total ${x.exact ? '' : '≈'}${x.total}`),
        inbox: [inboxS, inboxL].map((x) => `${x.items} items, total ${x.exact ? '' : '≈'}${x.total}`),
      },
      decide_oldest_p50_ms: percentile(oldest, 50),
      decide_newest_p50_ms: percentile(newest, 50),
      decide_small_p50_ms: percentile(smallNewest, 50),
      decide_oldest_p99_ms: percentile(oldest, 99),
      decide_oldest_vs_newest: r2(percentile(oldest, 50) / percentile(newest, 50)),
      decide_large_vs_small: r2(percentile(newest, 50) / percentile(smallNewest, 50)),
      uptime: uptimeLoad(),
    };
  } finally {
    await smallServer.stop();
    await largeServer.stop();
    await small.database.drop();
    await large.database.drop();
  }
}

const f = await measure();
const verdict = (x: number) => (x <= 1.1 ? 'MET' : 'MISSED');
record(
  'pending-scale',
  f,
  [
    `P7 under ${RATE} creates/s each, ${f.small_pending} vs ${f.large_pending} pending` + (f.large_pending < LARGE ? ` (only ${f.large_pending} of ${LARGE} seeded within ${BUDGET_MS / 1000} s)` : ''),
    `P7 pending list (newest 20): p50 ${f.pending_small_p50_ms} vs ${f.pending_large_p50_ms} ms = ${f.pending_ratio}× (target ≤ 1.1) ${verdict(f.pending_ratio)}; answers ${f.answers.pending.join(' / ')}`,
    `P7 inbox "waiting for me" (newest 20): p50 ${f.inbox_small_p50_ms} vs ${f.inbox_large_p50_ms} ms = ${f.inbox_ratio}× (target ≤ 1.1) ${verdict(f.inbox_ratio)}; answers ${f.answers.inbox.join(' / ')}`,
    `P7 decide on ${f.large_pending} pending: oldest p50 ${f.decide_oldest_p50_ms} ms vs newest ${f.decide_newest_p50_ms} ms = ${f.decide_oldest_vs_newest}× (target ≤ 1.1) ${verdict(f.decide_oldest_vs_newest)}; newest vs the ${f.small_pending}-pending org's ${f.decide_small_p50_ms} ms = ${f.decide_large_vs_small}×`,
    `uptime: ${f.uptime}`,
  ].join('\n'),
);
process.exit(0);
