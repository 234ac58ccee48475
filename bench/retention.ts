/**
 * Retention under create load: a backlog of closed requests older than the retention period is
 * removed batch by batch while creates arrive at a steady rate. A batch's time is measured twice:
 * from asking for its transaction to the commit (on PGlite, waiting behind creates for the one
 * connection included), and its statements alone (what a request arriving meanwhile waits for). Reference, same run, same data: the
 * same server and load with retention off. Figures: the longest purge batch (each batch is one
 * transaction; on PGlite every request waits behind it, on Postgres only those touching its rows),
 * and the creates' p99 and maximum latency with purging vs without, as ratios.
 */
import { createDatabase, load, median, percentile, record, seed, startServer, storageEnv, tempDataDir, SECONDS, uptimeLoad, type LoadFigures } from './lib.ts';
import { openDatabase } from '../apps/server/src/storage/open.ts';

const BACKLOG = Number(process.env.BENCH_RETENTION_BACKLOG ?? 20_000);
const RATE = Number(process.env.BENCH_RETENTION_RATE ?? 50);
const BATCH = process.env.BENCH_RETENTION_BATCH ?? '25';

/** Old closed requests, each with the two events a decided request has, written straight to storage. */
async function seedBacklog(storage: { DATABASE_URL?: string; GREENLIGHT_DATA_DIR: string }, orgId: string) {
  const db = await openDatabase(storage);
  try {
    for (let done = 0; done < BACKLOG; done += 5000) {
      const n = Math.min(5000, BACKLOG - done);
      await db.query(
        `WITH made AS (
           INSERT INTO approvals (org_id, requested_by_type, title, description, status, priority, created_at, updated_at, decided_at)
           SELECT $1, 'system', 'old ' || i, 'retention bench', 'approved', 'low', now() - interval '41 days', now() - interval '40 days', now() - interval '40 days'
             FROM generate_series(1, $2) AS i
           RETURNING id, org_id)
         INSERT INTO events (org_id, approval_id, type, actor_type, to_status)
         SELECT org_id, id, t, 'system', s FROM made, (VALUES ('approval.created', 'pending'), ('approval.approved', 'approved')) AS v(t, s)`,
        [orgId, n],
      );
    }
  } finally {
    await db.close();
  }
}

async function run(kind: 'pglite' | 'postgres') {
  const pgdb = kind === 'postgres' ? await createDatabase('retention') : null;
  const dir = tempDataDir();
  const storage = { GREENLIGHT_DATA_DIR: dir.dir, ...(pgdb ? { DATABASE_URL: pgdb.url } : {}) };
  try {
    const seeded = await seed(storage, 4);
    await seedBacklog(storage, seeded.orgId);
    const phase = async (retention: boolean): Promise<{ figures: LoadFigures; batches: number[]; held: number[]; limits: number[]; purged: number }> => {
      const server = await startServer({
        ...storageEnv(storage),
        LOG_LEVEL: 'debug',
        ...(retention ? { GREENLIGHT_RETENTION_DAYS: '30', GREENLIGHT_RETENTION_SWEEP_MS: '200', GREENLIGHT_RETENTION_BATCH: BATCH } : {}),
      });
      try {
        const figures = await load({ url: server.url, keys: seeded.keys, connections: 16, seconds: SECONDS, rate: RATE });
        const batches: number[] = [];
        const held: number[] = [];
        const limits: number[] = [];
        let purged = 0;
        for (const line of server.output().stdout.split('\n')) {
          if (!line.includes('"retention batch"')) continue;
          const entry = JSON.parse(line) as { ms: number; held_ms: number; requests: number; limit: number };
          batches.push(entry.ms);
          held.push(entry.held_ms);
          limits.push(entry.limit);
          purged += entry.requests;
        }
        return { figures, batches, held, limits, purged };
      } finally {
        await server.stop();
      }
    };
    const reference = await phase(false);
    const purging = await phase(true);
    const maxBatch = Math.max(0, ...purging.batches);
    return {
      kind,
      rate: RATE,
      backlog: BACKLOG,
      batch_size: Number(BATCH),
      purged_during_load: purging.purged,
      batches: purging.batches.length,
      batch_p50_ms: median(purging.batches),
      batch_max_ms: maxBatch,
      held_p50_ms: median(purging.held),
      held_max_ms: Math.max(0, ...purging.held),
      held_p99_ms: percentile([...purging.held].sort((a, b) => a - b), 99),
      // The target's measure: batches whose statements held the database past 50 ms.
      held_over_50_ms: purging.held.filter((ms) => ms > 50).length,
      held_over_50_at: purging.held.flatMap((ms, i) => (ms > 50 ? [i] : [])),
      // The server shrinks a batch after a slow one (modules/approvals/retention.ts): the smallest it went to.
      smallest_batch: Math.min(...purging.limits),
      p99_ms: purging.figures.p99_ms,
      max_ms: purging.figures.max_ms,
      ref_p99_ms: reference.figures.p99_ms,
      ref_max_ms: reference.figures.max_ms,
      p99_ratio: Number((purging.figures.p99_ms / reference.figures.p99_ms).toFixed(2)),
      max_ratio: Number((purging.figures.max_ms / reference.figures.max_ms).toFixed(2)),
      non2xx: purging.figures.non2xx + purging.figures.errors + purging.figures.timeouts,
    };
  } finally {
    dir.remove();
    await pgdb?.drop();
  }
}

const results = [];
const KINDS = (process.env.BENCH_RETENTION_KINDS ?? 'pglite,postgres').split(',') as ('pglite' | 'postgres')[];
for (const kind of KINDS) results.push(await run(kind));
const summary = results
  .map(
    (r) =>
      `${r.kind}: ${r.purged_during_load} of ${r.backlog} old requests removed in ${r.batches} batches of at most ${r.batch_size} (smallest ${r.smallest_batch}) during ${SECONDS} s of creates at ${r.rate}/s; ` +
      `longest batch ${r.batch_max_ms} ms (median ${r.batch_p50_ms}), of which its statements ${r.held_max_ms} ms (median ${r.held_p50_ms}, p99 ${r.held_p99_ms}; ${r.held_over_50_ms} over 50 ms); creates p99 ${r.p99_ms} ms, max ${r.max_ms} ms vs ${r.ref_p99_ms} / ${r.ref_max_ms} ms without retention = ${r.p99_ratio}× / ${r.max_ratio}×; failed ${r.non2xx}`,
  )
  .join('\n');
record('retention', { seconds: SECONDS, uptime: uptimeLoad(), results }, summary);
