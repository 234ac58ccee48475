/**
 * Diagnostic, not part of `pnpm bench`: how soon another process hears what a transaction announces
 * for someone who holds for it (a revocation's or an expiry's outcome: `Queryable.notify` with
 * `urgent` on a transaction), measured from the transaction's start, and when its caller has the answer.
 *
 * Three ways, each `N` transactions of one INSERT and one announcement, in alternating rounds on one
 * fresh database, each heard by a LISTEN connection of another process's kind:
 * - `behind-commit`: the server's storage as it is (postgres.ts: the statement sent behind COMMIT);
 * - `after-answer`: the same storage, the announcement sent by the process once COMMIT has answered
 *   (`db.notify` after the transaction, as the server did before);
 * - `bare`: node-postgres alone, `NOTIFY` inside the transaction (heard at its commit, but holding the
 *   cluster's notification queue lock through the commit's WAL flush: the server never does this).
 * Each way runs twice per round: with the writer's process otherwise idle, and `busy` (its event loop
 * blocked 0.5 ms of every millisecond, as a server's is by the requests it serves meanwhile), where an
 * announcement that waits for the process waits for its turn.
 * `pnpm exec tsx bench/announce-commit.ts`.
 */
import pg from 'pg';
import { openPostgres } from '../apps/server/src/storage/postgres.ts';
import type { Database } from '../apps/server/src/storage/database.ts';
import { createDatabase, percentile, record, uptimeLoad } from './lib.ts';

const N = Number(process.env.BENCH_ANNOUNCE_N ?? 1000);
const WARM = 200;
const ROUNDS = 3;
const CHANNEL = 'bench_announce';

const database = await createDatabase('announce');
const dbs: Database[] = [];
const clients: pg.Client[] = [];
try {
  const open = async () => {
    const db = await openPostgres({ connectionString: database.url, max: 4 });
    dbs.push(db);
    return db;
  };
  const client = async () => {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const writer = await open();
  // The writer listens as every server does (its LISTEN connection is up).
  await writer.listen('bench_other', () => {});
  const elsewhere = await open();
  let heard: ((payload: string) => void) | null = null;
  await elsewhere.listen(CHANNEL, (p) => heard?.(p));
  const bare = await client();
  const bareListener = await client();
  bareListener.on('notification', (m) => heard?.(m.payload ?? ''));
  await bareListener.query(`LISTEN ${CHANNEL}`);
  await bare.query('CREATE TABLE bench_announce (id bigint)');

  let seq = 0;
  type Way = (payload: string) => Promise<void>;
  const ways: Record<string, Way> = {
    'behind-commit': (payload) =>
      writer.transaction(async (tx) => {
        await tx.query('INSERT INTO bench_announce VALUES ($1)', [seq]);
        tx.notify(CHANNEL, payload, true);
      }),
    'after-answer': async (payload) => {
      await writer.transaction(async (tx) => {
        await tx.query('INSERT INTO bench_announce VALUES ($1)', [seq]);
      });
      writer.notify(CHANNEL, payload, true);
    },
    bare: async (payload) => {
      await bare.query('BEGIN');
      await bare.query('INSERT INTO bench_announce VALUES ($1)', [seq]);
      await bare.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
      await bare.query('COMMIT');
    },
  };
  const run = async (way: Way, n: number) => {
    const heardMs: number[] = [];
    const answeredMs: number[] = [];
    for (let i = 0; i < n; i++) {
      const payload = `org:${++seq}:approval.revoked`;
      const got = new Promise<number>((resolve) => (heard = (p) => p === payload && resolve(performance.now())));
      const t0 = performance.now();
      await way(payload);
      const answered = performance.now();
      heardMs.push((await got) - t0);
      answeredMs.push(answered - t0);
    }
    return { heardMs, answeredMs };
  };
  const rounds: Record<string, { heard_p50: number; heard_p99: number; answered_p50: number }[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const busy of [false, true]) {
      // Blocks the event loop 0.5 ms of every millisecond or so (a timer's least interval is 1 ms).
      const blocker = busy
        ? setInterval(() => {
            const end = performance.now() + 0.5;
            while (performance.now() < end);
          }, 1)
        : null;
      try {
        for (const [name, way] of Object.entries(ways)) {
          await run(way, WARM);
          const { heardMs, answeredMs } = await run(way, N);
          const h = [...heardMs].sort((a, b) => a - b);
          const a = [...answeredMs].sort((x, y) => x - y);
          (rounds[busy ? `${name}, busy` : name] ??= []).push({ heard_p50: percentile(h, 50), heard_p99: percentile(h, 99), answered_p50: percentile(a, 50) });
        }
      } finally {
        if (blocker) clearInterval(blocker);
      }
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const figures = Object.fromEntries(
    Object.entries(rounds).map(([name, rs]) => [
      name,
      { heard_p50_ms: med(rs.map((x) => x.heard_p50)), heard_p99_ms: med(rs.map((x) => x.heard_p99)), answered_p50_ms: med(rs.map((x) => x.answered_p50)), rounds: rs },
    ]),
  );
  const line = (name: string) => {
    const f = figures[name]!;
    return `${name.padEnd(20)} heard elsewhere p50 ${f.heard_p50_ms} ms, p99 ${f.heard_p99_ms} ms; caller answered p50 ${f.answered_p50_ms} ms`;
  };
  const ratio = Number((figures['behind-commit']!.heard_p50_ms / figures.bare!.heard_p50_ms).toFixed(2));
  const busyRatio = Number((figures['behind-commit, busy']!.heard_p50_ms / figures['bare, busy']!.heard_p50_ms).toFixed(2));
  record(
    'announce-commit',
    { n: N, rounds: ROUNDS, ...figures, behind_commit_to_bare_p50: ratio, busy_behind_commit_to_bare_p50: busyRatio, uptime: uptimeLoad() },
    `${Object.keys(figures).map(line).join('\n')}\nbehind-commit heard / bare heard, p50: ${ratio}× (busy: ${busyRatio}×)`,
  );
} finally {
  for (const c of clients) await c.end().catch(() => {});
  for (const db of dbs) await db.close().catch(() => {});
  await database.drop();
}
