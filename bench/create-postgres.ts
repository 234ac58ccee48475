/**
 * P1 (create throughput on Postgres, 64 connections, vs a bare Express 5 + one pg INSERT app),
 * P2 (create latency at 70 % of P1's maximum: p99, beside the bare app's p99 at the same rate) and
 * P6 (server RSS under P1 load). Both apps run on the same fresh database throughout; their phases
 * alternate for BENCH_ROUNDS rounds (3; the bare app first in odd rounds, the server first in even
 * ones), and each ratio is the median of the rounds with its spread (min–max). Load comes from cannon.mjs.
 */
import { withPeakRss, walLsn, walBytesSince, cpuSeconds, PG_ADMIN_URL, sampleWaits, createDatabase, load, median, record, rssMb, seed, SECONDS, spread, startHelper, startServer, storageEnv, sleep, uptimeLoad, loadAverage, type LoadFigures, LOAD_KEYS } from './lib.ts';

const CONNECTIONS = 64;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const database = await createDatabase('create');
const dbName = new URL(database.url).pathname.slice(1);
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  // 10,000 creates per key and hour: enough keys that no request of the run is refused.
  const seeded = await seed(storage, LOAD_KEYS);
  // Diagnostic: the same load spread over 8 organizations (each org's creates serialize at commit).
  const multiOrg = await seed(storage, LOAD_KEYS, 8);

  const bare = await startHelper('bare-pg.mjs', [], { DATABASE_URL: database.url });
  const server = await startServer({ ...storageEnv(storage), GREENLIGHT_DELIVERY_WORKER: 'true' });
  try {
    const pid = server.child.pid!;
    const startRss = rssMb(pid);
    await load({ url: bare.url, connections: CONNECTIONS, seconds: 2 }); // warm-up
    await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: 2 });
    const idleRss = rssMb(pid);

    const bareP1 = async () => {
      const lsn = await walLsn();
      const fig = await load({ url: bare.url, connections: CONNECTIONS, seconds: SECONDS });
      return { fig, wal: Math.round((await walBytesSince(lsn)) / Math.max(1, fig.requests)) };
    };
    const serverP1 = async () => {
      const waits = sampleWaits(PG_ADMIN_URL, dbName);
      const cpu0 = cpuSeconds(pid);
      const lsn = await walLsn();
      const { result: fig, peakRss } = await withPeakRss(pid, () => load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECONDS }));
      const wal = Math.round((await walBytesSince(lsn)) / Math.max(1, fig.requests));
      const cpuPercent = Math.round((100 * (cpuSeconds(pid) - cpu0)) / SECONDS);
      return { fig, wal, peakRss, cpuPercent, waits: await waits.stop() };
    };
    interface Round {
      load1: number;
      bare: LoadFigures;
      bare_wal: number;
      p1: LoadFigures;
      p1_wal: number;
      p1_ratio: number;
      peak_rss_mb: number;
      cpu_percent: number;
      waits: Record<string, number>;
      p2_rate: number;
      p2: LoadFigures;
      bare_p2: LoadFigures;
      p2_p99_ratio: number;
    }
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const load1 = Number(loadAverage().toFixed(2));
      let b: Awaited<ReturnType<typeof bareP1>>;
      let s: Awaited<ReturnType<typeof serverP1>>;
      if (r % 2 === 0) {
        b = await bareP1();
        await sleep(500);
        s = await serverP1();
      } else {
        s = await serverP1();
        await sleep(500);
        b = await bareP1();
      }
      await sleep(500);
      const rate = Math.round(s.fig.rps * 0.7);
      const runServer = () => load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECONDS, rate });
      const runBare = () => load({ url: bare.url, connections: CONNECTIONS, seconds: SECONDS, rate });
      let p2: LoadFigures;
      let bareP2: LoadFigures;
      if (r % 2 === 0) {
        p2 = await runServer();
        bareP2 = await runBare();
      } else {
        bareP2 = await runBare();
        p2 = await runServer();
      }
      const round: Round = {
        load1,
        bare: b.fig,
        bare_wal: b.wal,
        p1: s.fig,
        p1_wal: s.wal,
        p1_ratio: Number((s.fig.rps / b.fig.rps).toFixed(2)),
        peak_rss_mb: s.peakRss,
        cpu_percent: s.cpuPercent,
        waits: s.waits,
        p2_rate: rate,
        p2,
        bare_p2: bareP2,
        p2_p99_ratio: Number((p2.p99_ms / Math.max(0.01, bareP2.p99_ms)).toFixed(2)),
      };
      rounds.push(round);
      console.log(
        `round ${r + 1} (load ${load1}): P1 ${s.fig.rps} vs bare ${b.fig.rps} = ${round.p1_ratio}×; P2 at ${rate}/s p99 ${p2.p99_ms} vs bare ${bareP2.p99_ms} = ${round.p2_p99_ratio}×; RSS ${s.peakRss} MB; WAL ${s.wal} vs ${b.wal} B`,
      );
    }
    const orgWaits = sampleWaits(PG_ADMIN_URL, dbName);
    const p1Orgs = await load({ url: server.url, keys: multiOrg.keys, connections: CONNECTIONS, seconds: SECONDS });
    const orgWaitProfile = await orgWaits.stop();

    const of = (f: (x: Round) => number) => rounds.map(f);
    const mid = rounds.map((x) => x.p1_ratio).indexOf(median(of((x) => x.p1_ratio)));
    const m = rounds[mid >= 0 ? mid : 0]!;
    const f = {
      database: 'postgres',
      connections: CONNECTIONS,
      seconds: SECONDS,
      rounds: ROUNDS,
      bare_rps: median(of((x) => x.bare.rps)),
      p1_rps: median(of((x) => x.p1.rps)),
      p1_ratio: median(of((x) => x.p1_ratio)),
      p1_ratio_spread: spread(of((x) => x.p1_ratio)),
      p1_non2xx: rounds.reduce((n, x) => n + x.p1.non2xx + x.p1.errors, 0),
      p1_server_cpu_percent: median(of((x) => x.cpu_percent)),
      bare_wal_bytes_per_request: median(of((x) => x.bare_wal)),
      p1_wal_bytes_per_request: median(of((x) => x.p1_wal)),
      p2_rate: median(of((x) => x.p2_rate)),
      p2_p50_ms: median(of((x) => x.p2.p50_ms)),
      p2_p99_ms: median(of((x) => x.p2.p99_ms)),
      p2_p99_spread: spread(of((x) => x.p2.p99_ms)),
      p2_non2xx: rounds.reduce((n, x) => n + x.p2.non2xx + x.p2.errors, 0),
      bare_at_p2_rate_p50_ms: median(of((x) => x.bare_p2.p50_ms)),
      bare_at_p2_rate_p99_ms: median(of((x) => x.bare_p2.p99_ms)),
      p2_p99_ratio: median(of((x) => x.p2_p99_ratio)),
      p2_p99_ratio_spread: spread(of((x) => x.p2_p99_ratio)),
      p1_8orgs_rps: p1Orgs.rps,
      p1_8orgs_ratio: Number((p1Orgs.rps / m.bare.rps).toFixed(2)),
      p1_8orgs_pg_waits: orgWaitProfile,
      p6_peak_rss_mb: Math.max(...of((x) => x.peak_rss_mb)),
      idle_rss_mb: idleRss,
      ready_rss_mb: startRss,
      // Backends of the server's database during the median round's P1, by what they waited on (100 ms samples).
      p1_pg_waits: m.waits,
      per_round: rounds.map((x) => ({
        load1: x.load1,
        bare_rps: x.bare.rps,
        p1_rps: x.p1.rps,
        p1_ratio: x.p1_ratio,
        p2_rate: x.p2_rate,
        p2_p50_ms: x.p2.p50_ms,
        p2_p99_ms: x.p2.p99_ms,
        bare_p2_p99_ms: x.bare_p2.p99_ms,
        p2_p99_ratio: x.p2_p99_ratio,
        peak_rss_mb: x.peak_rss_mb,
        wal: x.p1_wal,
        bare_wal: x.bare_wal,
      })),
      uptime: uptimeLoad(),
    };
    record(
      'create-postgres',
      f,
      [
        `P1 create throughput, median of ${ROUNDS} interleaved rounds: ${f.p1_rps} req/s vs bare ${f.bare_rps} req/s, ratio ${f.p1_ratio}× (${f.p1_ratio_spread.join('–')}) (target ≥ 1.3×, over 8 orgs ≥ 1.0×) ${f.p1_ratio >= 1.3 && f.p1_8orgs_ratio >= 1 ? 'MET' : 'MISSED'}; non-2xx ${f.p1_non2xx}; server process CPU ${f.p1_server_cpu_percent} % of one core; WAL per request ${f.p1_wal_bytes_per_request} B vs bare ${f.bare_wal_bytes_per_request} B`,
        `P2 at 70 % of each round's P1 (median ${f.p2_rate} req/s): p50 ${f.p2_p50_ms} ms, p99 ${f.p2_p99_ms} ms (${f.p2_p99_spread.join('–')}) (target p99 ≤ 50 ms) ${f.p2_p99_ms <= 50 ? 'MET' : 'MISSED'}; the bare app at the same rates: p50 ${f.bare_at_p2_rate_p50_ms} ms, p99 ${f.bare_at_p2_rate_p99_ms} ms; p99 ratio ${f.p2_p99_ratio}× (${f.p2_p99_ratio_spread.join('–')})`,
        `P1 diagnostic, same load over 8 orgs: ${p1Orgs.rps} req/s = ${f.p1_8orgs_ratio}× the median round's bare app`,
        `P6 server RSS under P1 load: peak ${f.p6_peak_rss_mb} MB (target ≤ 150 MB) ${f.p6_peak_rss_mb <= 150 ? 'MET' : 'MISSED'} (at ready ${startRss} MB, after warm-up ${idleRss} MB)`,
        `Postgres backends during P1, by wait: ${JSON.stringify(m.waits)}; over 8 orgs: ${JSON.stringify(orgWaitProfile)}`,
        `uptime: ${f.uptime}`,
      ].join('\n'),
    );
  } finally {
    await server.stop();
    await bare.stop();
  }
} finally {
  await database.drop();
}
