/**
 * Diagnostic, not part of `pnpm bench`: where the machine's CPU goes per decision with a callback (P3's
 * path), for the bare app (`bare-callback.mjs`) and the server, at one evenly paced rate (default 50/s
 * for 20 s, `tsx decide-split.ts 80`): CPU seconds of the HTTP process and of all Postgres processes per
 * decision (from /proc), the machine's busy share, and decision → callback latency. With
 * BENCH_PROFILE=1 the server runs with --cpu-prof and the functions and areas with the most self time
 * are printed (the .cpuprofile stays in results/profiles/). With pg_stat_statements loaded, the
 * server's costliest statements over the paced run, with nested ones if its `track` is `all`.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  cpuPerRequest,
  createDatabase,
  createMany,
  decide,
  frameArea,
  frameName,
  HERE,
  pacedLatency,
  pgQuery,
  record,
  resetStatements,
  seed,
  startCallbackReceiver,
  startHelper,
  startServer,
  storageEnv,
  topStatements,
  topSelfTime,
  type CpuProfile,
} from './lib.ts';

const RATE = Number(process.argv[2] ?? 50);
const SECS = Number(process.env.BENCH_SECONDS ?? 20);
const WARM = 200;
const N = RATE * SECS;
const PROFILE = process.env.BENCH_PROFILE === '1';
/**
 * BENCH_BACKLOG=N: before the paced run, N subscription deliveries wait in the server's outbox for a
 * retry an hour away, as when a subscriber has been down for a while (the bare app has no outbox).
 */
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 0);

const figures: Record<string, unknown> = { rate: RATE, seconds: SECS, ...(BACKLOG > 0 ? { backlog: BACKLOG } : {}) };
const lines: string[] = [];
const receiver = await startCallbackReceiver();
try {
  for (const kind of ['bare', 'server'] as const) {
    const database = await createDatabase(`dsplit_${kind}`);
    const profileDir = path.join(HERE, 'results', 'profiles', `decide-${Date.now()}`);
    try {
      const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
      const seeded = await seed(storage, 1);
      if (PROFILE && kind === 'server') mkdirSync(profileDir, { recursive: true });
      const proc =
        kind === 'server'
          ? await startServer({ ...storageEnv(storage), GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' }, undefined, {
              nodeArgs: PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
            })
          : await startHelper('bare-callback.mjs', [], { DATABASE_URL: database.url });
      try {
        const total = WARM + N;
        const prefix = kind === 'server' ? 's' : 'b';
        const ids =
          kind === 'server'
            ? await createMany(proc.url, seeded.keys, total, (i) => ({ callback_url: `${receiver.url}/${prefix}/${i}` }))
            : (
                await pgQuery(database.url)<{ id: string }>(
                  `INSERT INTO bare_decisions (title, callback_url) SELECT 'Bench ' || i, $1 || '/b/' || i FROM generate_series(0, $2 - 1) AS i ORDER BY i RETURNING id`,
                  [receiver.url, total],
                )
              ).map((r) => r.id);
        const phase = (from: number, count: number) =>
          pacedLatency(count, RATE, (j) => decide(proc.url, seeded.decider, ids[from + j]!), (j) => receiver.arrivals.get(`/${prefix}/${from + j}`));
        if (kind === 'server' && BACKLOG > 0) {
          await pgQuery(database.url)(
            `INSERT INTO deliveries (org_id, channel, kind, payload, status, attempts, next_attempt_at)
             SELECT $1, 'webhook', 'subscription', jsonb_build_object('url', 'http://127.0.0.1:9/down'), 'pending', 3, now() + interval '1 hour'
               FROM generate_series(1, $2)`,
            [seeded.orgId, BACKLOG],
          );
          await pgQuery(database.url)('ANALYZE deliveries');
        }
        await phase(0, WARM);
        const statements = kind === 'server' && (await resetStatements());
        const cost = await cpuPerRequest(proc.child.pid!, () => phase(WARM, N), () => N);
        const row = {
          http_process_ms_per_decision: cost.http_process_ms,
          postgres_ms_per_decision: cost.postgres_ms,
          machine_busy_percent: cost.machine_busy_percent,
          p50_ms: cost.result.p50_ms,
          p99_ms: cost.result.p99_ms,
          lost: cost.result.lost,
        };
        figures[kind] = row;
        lines.push(
          `${kind.padEnd(6)} at ${RATE}/s: HTTP process ${row.http_process_ms_per_decision} ms CPU/decision, Postgres ${row.postgres_ms_per_decision} ms CPU/decision, ` +
            `machine ${row.machine_busy_percent} % busy; decision → callback p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, lost ${row.lost}`,
        );
        if (statements) {
          const { top, lines: topLines } = await topStatements(database.url, 25);
          figures.statements = top;
          lines.push(`statements of the paced run (${N} decisions):`, ...topLines);
        }
      } finally {
        await proc.stop();
      }
      if (PROFILE && kind === 'server') {
        const file = readdirSync(profileDir).find((x) => x.endsWith('.cpuprofile'));
        if (file) {
          const profile = JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile;
          lines.push('server self time (the whole run, creates included):', ...topSelfTime(profile, frameName, 30), 'by area:', ...topSelfTime(profile, frameArea, 12), `profile: ${path.join(profileDir, file)}`);
        }
      }
    } finally {
      await database.drop();
    }
  }
} finally {
  await receiver.close();
}
record('decide-split', figures, lines.join('\n'));
