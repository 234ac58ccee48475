/**
 * P5: embedded (PGlite) create throughput vs a bare Express 5 + PGlite one-INSERT app, and cold start
 * to ready (fresh data directory: process start → /readyz 200) vs PGlite's own cold start in a fresh
 * process (process start → first query answered). Both apps and both starts are measured in this run.
 * And the embedded default's memory: each process's RSS at rest and its peak during its own load
 * phases (sampled every 250 ms from /proc), the server's over the bare app's. At rest is after the load
 * rounds, both idle for BENCH_P5_REST_SECONDS and sampled together. Right after the start (the server's
 * on the data directory its CLI seeded, the bare app's on an empty one) the bare app still holds
 * PGlite's initdb instance until a garbage collection that an idle process may not run for minutes
 * (770 MB against the server's 420 MB in one run), so that moment is reported, not judged.
 */
import { ensureCompiled, startNodeOptions } from '../apps/server/src/testing/spawn-server.ts';
import { loadConfig } from '../apps/server/src/config.ts';
import { load, loadAverage, median, record, rssMb, seed, withPeakRss, SECONDS, sleep, spread, startHelper, startServer, tempDataDir, uptimeLoad, LOAD_KEYS, type LoadFigures } from './lib.ts';

const CONNECTIONS = Number(process.env.BENCH_P5_CONNECTIONS ?? 64);
const STARTS = 3;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REST_SECONDS = Number(process.env.BENCH_P5_REST_SECONDS ?? 30);
/** The memory target: the server's RSS over the bare PGlite app's, at rest and under load. */
const RSS_TARGET = 1.2;
// BENCH_P5_SHARED_BUFFERS: the server's GREENLIGHT_PGLITE_SHARED_BUFFERS for this run (unset: its default).
const bufferEnv: Record<string, string> = process.env.BENCH_P5_SHARED_BUFFERS ? { GREENLIGHT_PGLITE_SHARED_BUFFERS: process.env.BENCH_P5_SHARED_BUFFERS } : {};
const sharedBuffers = loadConfig(bufferEnv).GREENLIGHT_PGLITE_SHARED_BUFFERS;

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
  const s = await startServer({ GREENLIGHT_DATA_DIR: b.dir, ...bufferEnv }, undefined, { pollMs: 20 });
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
const server = await startServer({ ...storage, ...bufferEnv });
const rounds: { load1: number; bare_rps: number; rps: number; ratio: number; p50_ms: number; p99_ms: number; non2xx: number; rss_mb: number; bare_rss_mb: number }[] = [];
/** Both processes' RSS, sampled together. */
function restNow(): { server_mb: number; bare_mb: number; ratio: number } {
  const server_mb = rssMb(server.child.pid!);
  const bare_mb = rssMb(bare.child.pid!);
  return { server_mb, bare_mb, ratio: Number((server_mb / bare_mb).toFixed(2)) };
}
let started = { server_mb: 0, bare_mb: 0, ratio: 0 };
let rest = started;
/** A load phase with the peak RSS of the process under it. */
async function loadWithPeakRss(pid: number, run: () => Promise<LoadFigures>): Promise<LoadFigures & { peakRss: number }> {
  const { result, peakRss } = await withPeakRss(pid, run);
  return { ...result, peakRss };
}
try {
  // Just started (the server's keys seeded through its own CLI first), both idle: reported only.
  await sleep(REST_SECONDS * 1000);
  started = restNow();
  console.log(`${REST_SECONDS} s after start: server ${started.server_mb} MB vs bare ${started.bare_mb} MB = ${started.ratio}×`);
  await load({ url: bare.url, connections: CONNECTIONS, seconds: 2 });
  await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: 2 });
  for (let r = 0; r < ROUNDS; r++) {
    const load1 = Number(loadAverage().toFixed(2));
    const runBare = () => loadWithPeakRss(bare.child.pid!, () => load({ url: bare.url, connections: CONNECTIONS, seconds: SECONDS }));
    const runServer = () => loadWithPeakRss(server.child.pid!, () => load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECONDS }));
    let b;
    let s;
    if (r % 2 === 0) {
      b = await runBare();
      s = await runServer();
    } else {
      s = await runServer();
      b = await runBare();
    }
    const round = { load1, bare_rps: b.rps, rps: s.rps, ratio: Number((s.rps / b.rps).toFixed(2)), p50_ms: s.p50_ms, p99_ms: s.p99_ms, non2xx: s.non2xx + s.errors, rss_mb: s.peakRss, bare_rss_mb: b.peakRss };
    rounds.push(round);
    console.log(`round ${r + 1} (load ${load1}): ${s.rps} vs bare ${b.rps} req/s = ${round.ratio}×; peak RSS ${s.peakRss} vs bare ${b.peakRss} MB`);
  }
  await sleep(REST_SECONDS * 1000);
  rest = restNow();
  console.log(`at rest, ${REST_SECONDS} s after the load: server ${rest.server_mb} MB vs bare ${rest.bare_mb} MB = ${rest.ratio}×`);
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
// Under load: the highest peak of each process over its phases (memory held once is held).
const loadRss = { server_mb: Math.max(...rounds.map((x) => x.rss_mb)), bare_mb: Math.max(...rounds.map((x) => x.bare_rss_mb)) };
const loadRssRatio = Number((loadRss.server_mb / loadRss.bare_mb).toFixed(2));
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
    shared_buffers: sharedBuffers,
    node_options: startNodeOptions(),
    rest_seconds: REST_SECONDS,
    started_rss_mb: started.server_mb,
    bare_started_rss_mb: started.bare_mb,
    rest_rss_mb: rest.server_mb,
    bare_rest_rss_mb: rest.bare_mb,
    rest_rss_ratio: rest.ratio,
    load_rss_mb: loadRss.server_mb,
    bare_load_rss_mb: loadRss.bare_mb,
    load_rss_ratio: loadRssRatio,
  },
  [
    `P5 embedded create, median of ${ROUNDS} interleaved rounds: ${fig.rps} req/s vs bare Express + PGlite ${bareFig.rps} req/s, ratio ${ratio}× (${spread(rounds.map((x) => x.ratio)).join('–')}) (target ≥ 0.5×) ${ratio >= 0.5 ? 'MET' : 'MISSED'}`,
    `P5 cold start to ready: ${serverStart} ms vs PGlite alone ${pgliteStart} ms ratio ${startRatio}× (${spread(startRatios).join('–')}) (target ≤ 1.5×) ${startRatio <= 1.5 ? 'MET' : 'MISSED'}`,
    `P5 memory ${REST_SECONDS} s after the start (reported; the server's on a seeded data directory): ${started.server_mb} MB vs bare ${started.bare_mb} MB ratio ${started.ratio}×`,
    `P5 memory at rest (${REST_SECONDS} s after the load): ${rest.server_mb} MB vs bare Express + PGlite ${rest.bare_mb} MB ratio ${rest.ratio}× (target ≤ ${RSS_TARGET}×) ${rest.ratio <= RSS_TARGET ? 'MET' : 'MISSED'}`,
    `P5 memory under load (peak): ${loadRss.server_mb} MB vs bare ${loadRss.bare_mb} MB ratio ${loadRssRatio}× (target ≤ ${RSS_TARGET}×) ${loadRssRatio <= RSS_TARGET ? 'MET' : 'MISSED'}`,
    `uptime: ${uptimeLoad()}`,
  ].join('\n'),
);
