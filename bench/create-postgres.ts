/**
 * P1 (create throughput on Postgres, 64 connections, vs a bare Express 5 + one pg INSERT app),
 * P2 (create latency at 70 % of P1's maximum: p99) and P6 (server RSS under P1 load).
 * Both apps run on the same fresh database in the same run; load comes from cannon.mjs.
 */
import { walLsn, walBytesSince, cpuSeconds, PG_ADMIN_URL, sampleWaits, createDatabase, load, record, rssMb, seed, SECONDS, startHelper, startServer, storageEnv, sleep } from './lib.ts';

const CONNECTIONS = 64;
const database = await createDatabase('create');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  // 10,000 creates per key and hour: enough keys that no request of the run is refused.
  const seeded = await seed(storage, 16);
  // Diagnostic: the same load spread over 8 organizations (each org's creates serialize at commit).
  const multiOrg = await seed(storage, 16, 8);

  const bare = await startHelper('bare-pg.mjs', [], { DATABASE_URL: database.url });
  await load({ url: bare.url, connections: CONNECTIONS, seconds: 2 }); // warm-up
  const bareLsn = await walLsn();
  const bareFig = await load({ url: bare.url, connections: CONNECTIONS, seconds: SECONDS });
  const bareWal = Math.round((await walBytesSince(bareLsn)) / Math.max(1, bareFig.requests));
  await bare.stop();

  const server = await startServer({ ...storageEnv(storage), GREENLIGHT_DELIVERY_WORKER: 'true' });
  try {
    const pid = server.child.pid!;
    const startRss = rssMb(pid);
    await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: 2 });
    const idleRss = rssMb(pid);
    let peakRss = 0;
    const waits = sampleWaits(PG_ADMIN_URL, new URL(database.url).pathname.slice(1));
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 250);
    const cpu0 = cpuSeconds(pid);
    const lsn = await walLsn();
    const p1 = await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECONDS });
    clearInterval(sampler);
    const wal = Math.round((await walBytesSince(lsn)) / Math.max(1, p1.requests));
    const cpuPercent = Math.round((100 * (cpuSeconds(pid) - cpu0)) / SECONDS);
    const waitProfile = await waits.stop();
    await sleep(500);
    const rate = Math.round(p1.rps * 0.7);
    const p2 = await load({ url: server.url, keys: seeded.keys, connections: CONNECTIONS, seconds: SECONDS, rate });
    const orgWaits = sampleWaits(PG_ADMIN_URL, new URL(database.url).pathname.slice(1));
    const p1Orgs = await load({ url: server.url, keys: multiOrg.keys, connections: CONNECTIONS, seconds: SECONDS });
    const orgWaitProfile = await orgWaits.stop();
    // Diagnostic: the bare app at P2's rate, on the same machine a moment later (the machine's own tail there).
    await server.stop();
    const bareAgain = await startHelper('bare-pg.mjs', [], { DATABASE_URL: database.url });
    await load({ url: bareAgain.url, connections: CONNECTIONS, seconds: 2 }); // warm-up, as before P1
    const bareP2 = await load({ url: bareAgain.url, connections: CONNECTIONS, seconds: SECONDS, rate });
    await bareAgain.stop();
    const ratio = Number((p1.rps / bareFig.rps).toFixed(2));
    record(
      'create-postgres',
      {
        database: 'postgres',
        connections: CONNECTIONS,
        seconds: SECONDS,
        bare_rps: bareFig.rps,
        bare_p99_ms: bareFig.p99_ms,
        p1_rps: p1.rps,
        p1_ratio: ratio,
        p1_p50_ms: p1.p50_ms,
        p1_p99_ms: p1.p99_ms,
        p1_non2xx: p1.non2xx + p1.errors,
        p1_server_cpu_percent: cpuPercent,
        bare_wal_bytes_per_request: bareWal,
        p1_wal_bytes_per_request: wal,
        p2_rate: rate,
        p2_rps: p2.rps,
        p2_p50_ms: p2.p50_ms,
        p2_p99_ms: p2.p99_ms,
        p2_non2xx: p2.non2xx + p2.errors,
        bare_at_p2_rate_p50_ms: bareP2.p50_ms,
        bare_at_p2_rate_p99_ms: bareP2.p99_ms,
        p1_8orgs_rps: p1Orgs.rps,
        p1_8orgs_ratio: Number((p1Orgs.rps / bareFig.rps).toFixed(2)),
        p1_8orgs_pg_waits: orgWaitProfile,
        p6_peak_rss_mb: peakRss,
        idle_rss_mb: idleRss,
        ready_rss_mb: startRss,
        // Backends of the server's database during P1, by what they waited on (100 ms samples).
        p1_pg_waits: waitProfile,
      },
      [
        `P1 create throughput: ${p1.rps} req/s vs bare ${bareFig.rps} req/s = ${ratio}× (target ≥ 0.5×) ${ratio >= 0.5 ? 'MET' : 'MISSED'}; non-2xx ${p1.non2xx + p1.errors}; server process CPU ${cpuPercent} % of one core; WAL per request ${wal} B vs bare ${bareWal} B`,
        `P2 at ${rate} req/s (70 %): p50 ${p2.p50_ms} ms, p99 ${p2.p99_ms} ms (target p99 ≤ 50 ms) ${p2.p99_ms <= 50 ? 'MET' : 'MISSED'}; the bare app at the same rate: p50 ${bareP2.p50_ms} ms, p99 ${bareP2.p99_ms} ms`,
        `P1 diagnostic, same load over 8 orgs: ${p1Orgs.rps} req/s = ${(p1Orgs.rps / bareFig.rps).toFixed(2)}× bare`,
        `P6 server RSS under P1 load: peak ${peakRss} MB (target ≤ 200 MB) ${peakRss <= 200 ? 'MET' : 'MISSED'} (at ready ${startRss} MB, after warm-up ${idleRss} MB)`,
        `Postgres backends during P1, by wait: ${JSON.stringify(waitProfile)}; over 8 orgs: ${JSON.stringify(orgWaitProfile)}`,
      ].join('\n'),
    );
  } finally {
    await server.stop();
  }
} finally {
  await database.drop();
}
