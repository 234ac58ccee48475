/**
 * Diagnostic, not part of `pnpm bench`: decisions in one org as fast as `C` connections go
 * (`tsx decide-one-org.ts [C] [N]`, defaults 32 and 3000). N requests are created first (one org,
 * several keys), then each approved once by another key; prints decisions/s, the latency's p50/p99
 * and the CPU milliseconds per decision of the server process and of all Postgres processes. One org
 * on purpose: whatever an org's decisions share (a row, a lock) shows here and not across orgs.
 */
import { cpuSeconds, createDatabase, createMany, decide, percentile, postgresCpu, record, seed, startServer, storageEnv } from './lib.ts';

const C = Number(process.argv[2] ?? 32);
const N = Number(process.argv[3] ?? 3000);
const database = await createDatabase('decide_one_org');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 8);
  const proc = await startServer(storageEnv(storage));
  try {
    const ids = await createMany(proc.url, seeded.keys, N);
    let next = 0;
    const latencies: number[] = [];
    const [n0, p0, t0] = [cpuSeconds(proc.child.pid!), postgresCpu(), performance.now()];
    await Promise.all(
      Array.from({ length: C }, async () => {
        while (next < N) {
          const id = ids[next++]!;
          const sent = performance.now();
          const status = await decide(proc.url, seeded.decider, id);
          latencies.push(performance.now() - sent);
          if (status !== 200) throw new Error(`decision answered ${status}`);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const [n1, p1] = [cpuSeconds(proc.child.pid!), postgresCpu()];
    latencies.sort((a, b) => a - b);
    const round = (x: number) => Math.round(x * 100) / 100;
    const figures = {
      connections: C,
      decisions: N,
      per_second: Math.round(N / seconds),
      p50_ms: round(percentile(latencies, 50)),
      p99_ms: round(percentile(latencies, 99)),
      server_cpu_ms_per_decision: round((1000 * (n1 - n0)) / N),
      postgres_cpu_ms_per_decision: round((1000 * (p1 - p0)) / N),
    };
    record(
      'decide-one-org',
      figures,
      `${N} decisions in one org over ${C} connections: ${figures.per_second}/s, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms; ` +
        `CPU per decision: server ${figures.server_cpu_ms_per_decision} ms, Postgres ${figures.postgres_cpu_ms_per_decision} ms`,
    );
  } finally {
    await proc.stop();
  }
} finally {
  await database.drop();
}
