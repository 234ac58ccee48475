/**
 * Diagnostic, not part of `pnpm bench`: where the machine's CPU goes under S1's mixed load (soak.ts's
 * 40 % create, 30 % get, 20 % pending list, 10 % decide) at one evenly paced rate (default 600/s,
 * `tsx mix-split.ts 800 [seconds]`), for the bare app and the server on fresh databases: CPU
 * milliseconds per request of the HTTP process, of all Postgres processes and of the load generator
 * (with its callback receiver), the machine's busy share and the latency. With BENCH_MIX_STATEMENTS=1
 * and pg_stat_statements loaded (shared_preload_libraries, and the extension in the admin database),
 * the server's costliest statements over the run. BENCH_MIX_KINDS=server runs one side;
 * BENCH_MIX_NODE_OPTIONS is passed to both processes (a `--require` of a profiler, say);
 * BENCH_MIX_KEEP=1 keeps the databases for EXPLAIN afterwards.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { busyPercent, cpuSeconds, postgresCpu, createDatabase, HERE, machineTicks, record, resetStatements, seed, startHelper, startServer, storageEnv, topStatements, uptimeLoad, LOAD_KEYS } from './lib.ts';

const RATE = Number(process.argv[2] ?? 600);
const SECS = Number(process.argv[3] ?? 20);
const KINDS = (process.env.BENCH_MIX_KINDS ?? 'bare,server').split(',') as ('bare' | 'server')[];

interface CannonResult {
  sent: number;
  windows: { served_rps: number; p50_ms: number; p99_ms: number; errors: number; ops: Record<string, { n: number; p50_ms: number; p99_ms: number }> }[];
}

const figures: Record<string, unknown> = { rate: RATE, seconds: SECS, uptime_before: uptimeLoad() };
const lines: string[] = [];
for (const kind of KINDS) {
  const database = await createDatabase(`mixsplit_${kind}`);
  try {
    const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
    const seeded = await seed(storage, LOAD_KEYS);
    const nodeOptions: Record<string, string> = process.env.BENCH_MIX_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_MIX_NODE_OPTIONS } : {};
    const proc =
      kind === 'server'
        ? await startServer({ ...storageEnv(storage), GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', ...nodeOptions })
        : await startHelper('bare-soak.mjs', [], { DATABASE_URL: database.url, ...nodeOptions });
    try {
      const statements = process.env.BENCH_MIX_STATEMENTS === '1' && kind === 'server';
      if (statements) await resetStatements();
      const cannon = spawn(process.execPath, [path.join(HERE, 'soak-cannon.mjs'), JSON.stringify({ url: proc.url, keys: seeded.keys, decider: seeded.decider, rate: RATE, seconds: SECS, window: SECS })], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      cannon.stdout!.on('data', (d) => (out += d));
      const [n0, p0, m0] = [cpuSeconds(proc.child.pid!), postgresCpu(), machineTicks()];
      // Sampled just before the generator ends its run (it then waits for stragglers and callbacks).
      let c1 = 0;
      let n1 = 0;
      let p1 = 0;
      let m1 = m0;
      const timer = setTimeout(() => {
        [c1, n1, p1, m1] = [cpuSeconds(cannon.pid!), cpuSeconds(proc.child.pid!), postgresCpu(), machineTicks()];
      }, SECS * 1000 - 100);
      await new Promise((r) => cannon.once('exit', r));
      clearTimeout(timer);
      const res = JSON.parse(out.trim().split('\n').pop()!) as CannonResult;
      const w = res.windows[0]!;
      const n = w.served_rps * SECS;
      const per = (s: number) => Math.round((1e6 * s) / Math.max(1, n)) / 1000;
      const row = {
        served_rps: w.served_rps,
        errors: w.errors,
        http_process_ms_per_request: per(n1 - n0),
        postgres_ms_per_request: per(p1 - p0),
        generator_ms_per_request: per(c1),
        machine_busy_percent: busyPercent(m0, m1),
        p50_ms: w.p50_ms,
        p99_ms: w.p99_ms,
        ops: w.ops,
      };
      figures[kind] = row;
      lines.push(
        `${kind.padEnd(6)} at ${RATE}/s: served ${row.served_rps}/s (${row.errors} errors); CPU ms/request: HTTP ${row.http_process_ms_per_request}, Postgres ${row.postgres_ms_per_request}, generator ${row.generator_ms_per_request}; machine ${row.machine_busy_percent} % busy; p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms; ` +
          Object.entries(row.ops)
            .map(([op, o]) => `${op} p50 ${o.p50_ms}/p99 ${o.p99_ms}`)
            .join(', '),
      );
      if (statements) {
        const { top, lines: topLines } = await topStatements(database.url);
        figures.statements = top;
        lines.push(...topLines);
      }
    } finally {
      await proc.stop();
    }
  } finally {
    // BENCH_MIX_KEEP=1 keeps the database for EXPLAIN afterwards.
    if (process.env.BENCH_MIX_KEEP === '1') console.log(`kept ${database.url}`);
    else await database.drop();
  }
}
figures.uptime = uptimeLoad();
lines.push(`uptime: ${figures.uptime as string}`);
record('mix-split', figures, lines.join('\n'));
