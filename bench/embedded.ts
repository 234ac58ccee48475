/**
 * P5: embedded (PGlite) create throughput vs a bare Express 5 + PGlite one-INSERT app, and cold start
 * to ready (fresh data directory: process start → /readyz 200) vs PGlite's own cold start in a fresh
 * process (process start → first query answered). Both apps and both starts are measured in this run.
 */
import { ensureCompiled } from '../apps/server/src/testing/spawn-server.ts';
import { load, record, seed, SECONDS, startHelper, startServer, tempDataDir } from './lib.ts';

const CONNECTIONS = Number(process.env.BENCH_P5_CONNECTIONS ?? 64);
const STARTS = 3;

// Cold starts first, before the machine is warm from load: the median of three of each. A stale
// bundle is rebuilt now, not inside the first measured start.
ensureCompiled();
const pgliteStarts: number[] = [];
const serverStarts: number[] = [];
for (let i = 0; i < STARTS; i++) {
  const a = tempDataDir();
  const ref = await startHelper('pglite-start.mjs', [], { DATA_DIR: a.dir });
  pgliteStarts.push(ref.readyMs);
  await ref.stop();
  a.remove();
  const b = tempDataDir();
  // The compiled server, as `pnpm start` runs it (built before the clock starts), measured from spawn
  // to the first /readyz 200, polled every 20 ms.
  const s = await startServer({ GREENLIGHT_DATA_DIR: b.dir }, undefined, { pollMs: 20 });
  serverStarts.push(s.readyMs);
  await s.stop();
  b.remove();
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const pgliteStart = Math.round(median(pgliteStarts));
const serverStart = Math.round(median(serverStarts));

const bareDir = tempDataDir();
const bare = await startHelper('bare-pglite.mjs', [], { DATA_DIR: bareDir.dir });
await load({ url: bare.url, connections: CONNECTIONS, seconds: 2 });
const bareFig = await load({ url: bare.url, connections: CONNECTIONS, seconds: SECONDS });
await bare.stop();
bareDir.remove();

const dir = tempDataDir();
const storage = { GREENLIGHT_DATA_DIR: dir.dir };
const seeded = await seed(storage, 16);
const server = await startServer(storage);
let fig;
try {
  await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: 2 });
  fig = await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECONDS });
} finally {
  await server.stop();
  dir.remove();
}
const ratio = Number((fig.rps / bareFig.rps).toFixed(2));
const startRatio = Number((serverStart / pgliteStart).toFixed(2));
record(
  'embedded',
  {
    database: 'pglite',
    connections: CONNECTIONS,
    seconds: SECONDS,
    bare_rps: bareFig.rps,
    rps: fig.rps,
    ratio,
    p50_ms: fig.p50_ms,
    p99_ms: fig.p99_ms,
    non2xx: fig.non2xx + fig.errors,
    pglite_start_ms: pgliteStart,
    server_start_ms: serverStart,
    start_ratio: startRatio,
    starts: { pglite: pgliteStarts.map(Math.round), server: serverStarts.map(Math.round) },
  },
  [
    `P5 embedded create: ${fig.rps} req/s vs bare Express + PGlite ${bareFig.rps} req/s = ${ratio}× (target ≥ 0.5×) ${ratio >= 0.5 ? 'MET' : 'MISSED'}`,
    `P5 cold start to ready: ${serverStart} ms vs PGlite alone ${pgliteStart} ms = ${startRatio}× (target ≤ 1.5×) ${startRatio <= 1.5 ? 'MET' : 'MISSED'}`,
  ].join('\n'),
);
