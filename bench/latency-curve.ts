/**
 * Diagnostic, not part of `pnpm bench`: create latency against load, each app at fractions of its
 * own maximum (`tsx latency-curve.ts [0.5,0.6,0.7,0.8]`). For the bare app (one pg INSERT) and the
 * server on the same fresh database: the maximum with 64 connections (closed loop, as P1), then an
 * evenly paced open loop at each fraction of that maximum (as P2 at 0.7), with p50/p99 and the
 * machine's busy share. Shows where each one's latency knee lies on this 2-core machine, which the
 * load generator, the HTTP process and Postgres share: P2 asks for p99 ≤ 50 ms at 0.7.
 */
import { busyPercent, createDatabase, load, machineTicks, record, seed, SECONDS, startHelper, startServer, storageEnv, LOAD_KEYS } from './lib.ts';

const FRACTIONS = (process.argv[2] ?? '0.5,0.6,0.7,0.8').split(',').map(Number);
const CONNECTIONS = 64;

interface Point {
  fraction: number;
  rate: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  machine_busy_percent: number;
}

const figures: Record<string, unknown> = { connections: CONNECTIONS, seconds: SECONDS };
const lines: string[] = [];
const database = await createDatabase('curve');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, LOAD_KEYS);
  for (const kind of ['bare', 'server'] as const) {
    const proc = kind === 'server' ? await startServer(storageEnv(storage)) : await startHelper('bare-pg.mjs', [], { DATABASE_URL: database.url });
    const keys = kind === 'server' ? seeded.keys : undefined;
    try {
      await load({ url: proc.url, keys, connections: CONNECTIONS, seconds: 2 }); // warm-up, as before P1
      const max = await load({ url: proc.url, keys, connections: CONNECTIONS, seconds: SECONDS });
      const points: Point[] = [];
      for (const fraction of FRACTIONS) {
        const rate = Math.round(max.rps * fraction);
        const m0 = machineTicks();
        const f = await load({ url: proc.url, keys, connections: CONNECTIONS, seconds: SECONDS, rate });
        const m1 = machineTicks();
        points.push({
          fraction,
          rate,
          p50_ms: f.p50_ms,
          p99_ms: f.p99_ms,
          non2xx: f.non2xx + f.errors,
          machine_busy_percent: busyPercent(m0, m1),
        });
      }
      figures[kind] = { max_rps: max.rps, points };
      lines.push(
        `${kind.padEnd(6)} max ${max.rps} req/s; ` +
          points.map((p) => `${Math.round(p.fraction * 100)} % (${p.rate}/s, machine ${p.machine_busy_percent} %): p50 ${p.p50_ms}, p99 ${p.p99_ms} ms`).join('; '),
      );
    } finally {
      await proc.stop();
    }
  }
} finally {
  await database.drop();
}
record('latency-curve', figures, lines.join('\n'));
