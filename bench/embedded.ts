/**
 * P5: embedded (PGlite) create throughput vs a bare Express 5 + PGlite one-INSERT app, and cold start
 * to ready (fresh data directory: process start → /readyz 200) vs PGlite's own cold start in a fresh
 * process (process start → first query answered). Both apps and both starts are measured in this run.
 */
import { ensureCompiled } from '../apps/server/src/testing/spawn-server.ts';
import { load, loadAverage, median, record, seed, SECONDS, spread, startHelper, startServer, tempDataDir, uptimeLoad, LOAD_KEYS } from './lib.ts';

const CONNECTIONS = Number(process.env.BENCH_P5_CONNECTIONS ?? 64);
const STARTS = 3;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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
const startRatios = serverStarts.map((x, i) => Number((x / pgliteStarts[i]!).toFixed(2)));
const pgliteStart = Math.round(median(pgliteStarts));
const serverStart = Math.round(median(serverStarts));

// Throughput: both apps run throughout, their load phases alternating for ROUNDS rounds (the bare
// app first in odd rounds), each ratio the median of the rounds with its spread.
const bareDir = tempDataDir();
const bare = await startHelper('bare-pglite.mjs', [], { DATA_DIR: bareDir.dir });
const dir = tempDataDir();
const storage = { GREENLIGHT_DATA_DIR: dir.dir };
const seeded = await seed(storage, LOAD_KEYS);
const server = await startServer(storage);
const rounds: { load1: number; bare_rps: number; rps: number; ratio: number; p50_ms: number; p99_ms: number; non2xx: number }[] = [];
try {
  await load({ url: bare.url, connections: CONNECTIONS, seconds: 2 });
  await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: 2 });
  for (let r = 0; r < ROUNDS; r++) {
    const load1 = Number(loadAverage().toFixed(2));
    const runBare = () => load({ url: bare.url, connections: CONNECTIONS, seconds: SECONDS });
    const runServer = () => load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECONDS });
    let b;
    let s;
    if (r % 2 === 0) {
      b = await runBare();
      s = await runServer();
    } else {
      s = await runServer();
      b = await runBare();
    }
    const round = { load1, bare_rps: b.rps, rps: s.rps, ratio: Number((s.rps / b.rps).toFixed(2)), p50_ms: s.p50_ms, p99_ms: s.p99_ms, non2xx: s.non2xx + s.errors };
    rounds.push(round);
    console.log(`round ${r + 1} (load ${load1}): ${s.rps} vs bare ${b.rps} req/s = ${round.ratio}×`);
  }
} finally {
  await server.stop();
  await bare.stop();
  dir.remove();
  bareDir.remove();
}
const ratio = median(rounds.map((x) => x.ratio));
const startRatio = median(startRatios);
const fig = { rps: median(rounds.map((x) => x.rps)), p50_ms: median(rounds.map((x) => x.p50_ms)), p99_ms: median(rounds.map((x) => x.p99_ms)) };
const bareFig = { rps: median(rounds.map((x) => x.bare_rps)) };
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
    rounds: ROUNDS,
    ratio_spread: spread(rounds.map((x) => x.ratio)),
    non2xx: rounds.reduce((n, x) => n + x.non2xx, 0),
    pglite_start_ms: pgliteStart,
    server_start_ms: serverStart,
    start_ratio: startRatio,
    start_ratio_spread: spread(startRatios),
    per_round: rounds,
    uptime: uptimeLoad(),
    starts: { pglite: pgliteStarts.map(Math.round), server: serverStarts.map(Math.round) },
  },
  [
    `P5 embedded create, median of ${ROUNDS} interleaved rounds: ${fig.rps} req/s vs bare Express + PGlite ${bareFig.rps} req/s, ratio ${ratio}× (${spread(rounds.map((x) => x.ratio)).join('–')}) (target ≥ 0.5×) ${ratio >= 0.5 ? 'MET' : 'MISSED'}`,
    `P5 cold start to ready: ${serverStart} ms vs PGlite alone ${pgliteStart} ms ratio ${startRatio}× (${spread(startRatios).join('–')}) (target ≤ 1.5×) ${startRatio <= 1.5 ? 'MET' : 'MISSED'}`,
    `uptime: ${uptimeLoad()}`,
  ].join('\n'),
);
