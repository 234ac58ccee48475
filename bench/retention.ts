/**
 * Retention under create load: a backlog of closed requests older than the retention period is
 * removed batch by batch while creates arrive at a steady rate. A batch is one statement; its time is
 * taken from asking for the database to the commit (on PGlite, waiting behind creates for the one
 * connection included), at least as long as it held the database, which a request arriving meanwhile
 * waits for. Reference, same run, same data: the same server and load with retention off. Figures:
 * the longest purge batch (on PGlite every request waits behind it, on Postgres only those touching
 * its rows), and the creates' p99 and maximum latency with purging vs without, as ratios.
 *
 * Each phase first runs the same load for BENCH_RETENTION_WARMUP seconds, unmeasured: a server that
 * has just started runs everything several times slower for about a second (V8 has not yet optimised
 * its JavaScript nor PGlite's WebAssembly, and compiling them takes the machine's cores), creates
 * included. The figures are of the load after it, as a server that has been up a while sees it; the
 * batches of the warm-up are reported apart (`warmup_*`), not dropped.
 */
import { busyPercent, createDatabase, load, machineTicks, median, percentile, record, seed, startServer, stealPercent, storageEnv, tempDataDir, SECONDS, uptimeLoad, type LoadFigures } from './lib.ts';
import { openDatabase } from '../apps/server/src/storage/open.ts';

const BACKLOG = Number(process.env.BENCH_RETENTION_BACKLOG ?? 20_000);
const RATE = Number(process.env.BENCH_RETENTION_RATE ?? 50);
const BATCH = process.env.BENCH_RETENTION_BATCH ?? '25';
const WARMUP = Number(process.env.BENCH_RETENTION_WARMUP ?? 3);

interface Batch {
  /** When it asked for the database, by the server's clock (the machine's, as this process's). */
  startedAt: number;
  ms: number;
  limit: number;
  requests: number;
}

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
    const phase = async (retention: boolean): Promise<{ figures: LoadFigures; measured: Batch[]; warmup: Batch[]; busy: number; steal: number }> => {
      const server = await startServer({
        ...storageEnv(storage),
        LOG_LEVEL: 'debug',
        ...(retention ? { GREENLIGHT_RETENTION_DAYS: '30', GREENLIGHT_RETENTION_SWEEP_MS: '200', GREENLIGHT_RETENTION_BATCH: BATCH } : {}),
      });
      try {
        const options = { url: server.url, keys: seeded.keys, connections: 16, rate: RATE };
        if (WARMUP > 0) await load({ ...options, seconds: WARMUP });
        const from = Date.now();
        const ticks = machineTicks();
        const figures = await load({ ...options, seconds: SECONDS });
        const to = Date.now();
        const after = machineTicks();
        const [busy, steal] = [busyPercent(ticks, after), stealPercent(ticks, after)];
        const batches: Batch[] = [];
        for (const line of server.output().stdout.split('\n')) {
          if (!line.includes('"retention batch"')) continue;
          const entry = JSON.parse(line) as { time: number; ms: number; requests: number; limit: number };
          batches.push({ startedAt: entry.time - entry.ms, ms: entry.ms, limit: entry.limit, requests: entry.requests });
        }
        // A batch counts for the load it began in; one that began after the load ended kept no request waiting.
        return { figures, measured: batches.filter((b) => b.startedAt >= from && b.startedAt < to), warmup: batches.filter((b) => b.startedAt < from), busy, steal };
      } finally {
        await server.stop();
      }
    };
    const reference = await phase(false);
    const purging = await phase(true);
    const batches = purging.measured.map((b) => b.ms);
    return {
      kind,
      rate: RATE,
      backlog: BACKLOG,
      batch_size: Number(BATCH),
      warmup_seconds: WARMUP,
      purged_during_load: purging.measured.reduce((n, b) => n + b.requests, 0),
      batches: batches.length,
      batch_p50_ms: median(batches),
      batch_p99_ms: percentile([...batches].sort((a, b) => a - b), 99),
      batch_max_ms: Math.max(0, ...batches),
      // The target's measure: batches that held the database past 50 ms.
      batch_over_50_ms: batches.filter((ms) => ms > 50).length,
      batch_over_50_at: batches.flatMap((ms, i) => (ms > 50 ? [i] : [])),
      // The server shrinks a batch after a slow one (modules/approvals/retention.ts): the smallest it went to.
      smallest_batch: Math.min(...purging.measured.map((b) => b.limit)),
      warmup_batches: purging.warmup.length,
      warmup_batch_max_ms: Math.max(0, ...purging.warmup.map((b) => b.ms)),
      warmup_batch_over_50_ms: purging.warmup.filter((b) => b.ms > 50).length,
      p99_ms: purging.figures.p99_ms,
      max_ms: purging.figures.max_ms,
      ref_p99_ms: reference.figures.p99_ms,
      ref_max_ms: reference.figures.max_ms,
      p99_ratio: Number((purging.figures.p99_ms / reference.figures.p99_ms).toFixed(2)),
      max_ratio: Number((purging.figures.max_ms / reference.figures.max_ms).toFixed(2)),
      non2xx: purging.figures.non2xx + purging.figures.errors + purging.figures.timeouts,
      // The machine during each measured load: its busy share and the share the hypervisor stole, in %.
      busy_percent: purging.busy,
      steal_percent: purging.steal,
      ref_busy_percent: reference.busy,
      ref_steal_percent: reference.steal,
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
      `${r.kind}: ${r.purged_during_load} of ${r.backlog} old requests removed in ${r.batches} batches of at most ${r.batch_size} (smallest ${r.smallest_batch}) during ${SECONDS} s of creates at ${r.rate}/s after ${r.warmup_seconds} s of warm-up; ` +
      `longest batch ${r.batch_max_ms} ms (median ${r.batch_p50_ms}, p99 ${r.batch_p99_ms}; ${r.batch_over_50_ms} over 50 ms); creates p99 ${r.p99_ms} ms, max ${r.max_ms} ms vs ${r.ref_p99_ms} / ${r.ref_max_ms} ms without retention = ${r.p99_ratio}× / ${r.max_ratio}×; failed ${r.non2xx}; machine busy ${r.busy_percent} %, stolen ${r.steal_percent} % (without retention ${r.ref_busy_percent} / ${r.ref_steal_percent} %); ` +
      `during the warm-up ${r.warmup_batches} batches, longest ${r.warmup_batch_max_ms} ms (${r.warmup_batch_over_50_ms} over 50 ms)`,
  )
  .join('\n');
record('retention', { seconds: SECONDS, uptime: uptimeLoad(), results }, summary);
