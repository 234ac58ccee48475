/**
 * P3: decision → callback received on loopback. Decisions are sent at a fixed rate (default 100/s for
 * 30 s) by this process; the receiver, also here, notes when each request's callback first arrives,
 * so both ends use one clock. Lost = decided (200) but no callback within 15 s after the last decision.
 */
import { createDatabase, createMany, decide, percentile, record, seed, sleep, startCallbackReceiver, startServer, storageEnv, tcpCounter } from './lib.ts';

const RATE = Number(process.env.BENCH_P3_RATE ?? 100);
const SECS = Number(process.env.BENCH_P3_SECONDS ?? 30);
const N = RATE * SECS;

const database = await createDatabase('callback');
const receiver = await startCallbackReceiver();
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 1);
  const server = await startServer({ ...storageEnv(storage), GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' });
  try {
    const ids = await createMany(server.url, seeded.keys, N, (i) => ({ callback_url: `${receiver.url}/cb/${i}` }));
    const sentAt: number[] = new Array(N);
    const statuses: Record<number, number> = {};
    const inflight: Promise<void>[] = [];
    const synBefore = tcpCounter('TCPSynRetrans');
    const start = performance.now();
    for (let i = 0; i < N; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sentAt[i] = performance.now();
      inflight.push(decide(server.url, seeded.decider, ids[i]!).then((s) => void (statuses[s] = (statuses[s] ?? 0) + 1)));
    }
    await Promise.all(inflight);
    const deadline = Date.now() + 15_000;
    while (receiver.arrivals.size < N && Date.now() < deadline) await sleep(50);
    const synRetrans = tcpCounter('TCPSynRetrans') - synBefore;
    const lat: number[] = [];
    let lost = 0;
    for (let i = 0; i < N; i++) {
      const at = receiver.arrivals.get(`/cb/${i}`);
      if (at === undefined) lost++;
      else lat.push(at - sentAt[i]!);
    }
    lat.sort((a, b) => a - b);
    const f = {
      database: 'postgres',
      rate: RATE,
      seconds: SECS,
      decisions: N,
      decision_statuses: statuses,
      received: receiver.arrivals.size,
      callback_requests: receiver.hits.n,
      lost,
      p50_ms: percentile(lat, 50),
      p99_ms: percentile(lat, 99),
      max_ms: percentile(lat, 100),
      over_900_ms: lat.filter((l) => l > 900).length,
      // Machine-wide SYN retransmissions during the run: each adds 1 s (then 2 s more) to one connection.
      tcp_syn_retrans: synRetrans,
    };
    const met = f.p50_ms <= 10 && f.p99_ms <= 50 && lost === 0;
    record(
      'callback-latency',
      f,
      `P3 decision → callback at ${RATE}/s for ${SECS} s: p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms, lost ${lost} of ${N} (target p50 ≤ 10, p99 ≤ 50, 0 lost) ${met ? 'MET' : 'MISSED'}; ${f.over_900_ms} over 900 ms, ${synRetrans} TCP SYN retransmissions on the machine meanwhile`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await receiver.close();
  await database.drop();
}
