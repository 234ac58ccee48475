/**
 * P3: decision → callback received on loopback, against a bare reference in the same run. Decisions
 * are sent at a fixed rate (default 100/s for 30 s) by this process; the receiver, also here, notes
 * when each request's callback first arrives, so both ends use one clock. Lost = decided (200) but no
 * callback within 15 s after the last decision.
 *
 * The reference (`bare-callback.mjs`) is Express 5 + pg committing one UPDATE and POSTing the callback
 * inline. Both processes run throughout; their phases alternate (server first in odd rounds, bare first
 * in even ones) for BENCH_P3_ROUNDS rounds (3), and each ratio is the median of the rounds with its
 * spread, so one noisy moment of the machine falls on one round, not on one side.
 */
import { createDatabase, createMany, decide, interleavedLatencyRounds, loadAverage, percentile, pgQuery, record, seed, sleep, startCallbackReceiver, startHelper, startServer, storageEnv, tcpCounter, uptimeLoad } from './lib.ts';

const RATE = Number(process.env.BENCH_P3_RATE ?? 100);
const SECS = Number(process.env.BENCH_P3_SECONDS ?? 30);
const ROUNDS = Number(process.env.BENCH_P3_ROUNDS ?? 3);
const WARM = 100;
const N = RATE * SECS;

interface Phase {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  lost: number;
  statuses: Record<number, number>;
  load1: number;
}

const database = await createDatabase('callback');
const receiver = await startCallbackReceiver();
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 1);
  const server = await startServer({ ...storageEnv(storage), GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' });
  const bare = await startHelper('bare-callback.mjs', [], { DATABASE_URL: database.url });
  try {
    const total = WARM + N * ROUNDS;
    const serverIds = await createMany(server.url, seeded.keys, total, (i) => ({ callback_url: `${receiver.url}/s/${i}` }));
    const bareIds = (
      await pgQuery(database.url)<{ id: string }>(
        `INSERT INTO bare_decisions (title, callback_url) SELECT 'Bench ' || i, $1 || '/b/' || i FROM generate_series(0, $2 - 1) AS i ORDER BY i RETURNING id`,
        [receiver.url, total],
      )
    ).map((r) => r.id);

    /** Decisions `from`…`from + count - 1` at RATE/s; latency per decision = sent → its callback arrived. */
    const phase = async (url: string, key: string, ids: string[], prefix: string, from: number, count: number, rate: number): Promise<Phase> => {
      const sentAt: number[] = new Array(count);
      const statuses: Record<number, number> = {};
      const inflight: Promise<void>[] = [];
      const start = performance.now();
      for (let j = 0; j < count; j++) {
        const due = start + (j * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        sentAt[j] = performance.now();
        // A decision that fails to connect (a 10 s connect timeout on a machine under heavy load) counts as status 0, and its callback as lost.
        inflight.push(
          decide(url, key, ids[from + j]!)
            .catch(() => 0)
            .then((s) => void (statuses[s] = (statuses[s] ?? 0) + 1)),
        );
      }
      await Promise.all(inflight);
      const arrived = () => {
        let n = 0;
        for (let j = 0; j < count; j++) if (receiver.arrivals.has(`/${prefix}/${from + j}`)) n++;
        return n;
      };
      const deadline = Date.now() + 15_000;
      while (arrived() < count && Date.now() < deadline) await sleep(50);
      const lat: number[] = [];
      let lost = 0;
      for (let j = 0; j < count; j++) {
        const at = receiver.arrivals.get(`/${prefix}/${from + j}`);
        if (at === undefined) lost++;
        else lat.push(at - sentAt[j]!);
      }
      lat.sort((a, b) => a - b);
      return { p50_ms: percentile(lat, 50), p99_ms: percentile(lat, 99), max_ms: percentile(lat, 100), lost, statuses, load1: Number(loadAverage().toFixed(2)) };
    };

    // Unmeasured warm-up of both (JIT, pools, keep-alive connections).
    await phase(server.url, seeded.decider, serverIds, 's', 0, WARM, RATE);
    await phase(bare.url, seeded.decider, bareIds, 'b', 0, WARM, RATE);

    const synBefore = tcpCounter('TCPSynRetrans');
    const summary = await interleavedLatencyRounds(ROUNDS, (app, r) =>
      app === 'server'
        ? phase(server.url, seeded.decider, serverIds, 's', WARM + r * N, N, RATE)
        : phase(bare.url, seeded.decider, bareIds, 'b', WARM + r * N, N, RATE),
    );
    const synRetrans = tcpCounter('TCPSynRetrans') - synBefore;
    const lost = summary.lost;
    const f = {
      database: 'postgres',
      rate: RATE,
      seconds: SECS,
      rounds: ROUNDS,
      decisions: N * ROUNDS,
      ...summary,
      // Machine-wide SYN retransmissions during the run: each adds 1 s (then 2 s more) to one connection.
      tcp_syn_retrans: synRetrans,
      uptime: uptimeLoad(),
    };
    const met = f.p50_ms <= 10 && f.p99_ms <= 50 && lost === 0;
    record(
      'callback-latency',
      f,
      [
        `P3 decision → callback at ${RATE}/s, ${ROUNDS} interleaved rounds of ${SECS} s: server p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms (medians), lost ${lost} of ${N * ROUNDS} (target p50 ≤ 10, p99 ≤ 50, 0 lost) ${met ? 'MET' : 'MISSED'}`,
        `bare Express + pg (one UPDATE, callback inline): p50 ${f.bare_p50_ms} ms, p99 ${f.bare_p99_ms} ms; ratio p50 ${f.p50_ratio}× (${f.p50_ratio_spread.join('–')}), p99 ${f.p99_ratio}× (${f.p99_ratio_spread.join('–')})`,
        `${synRetrans} TCP SYN retransmissions on the machine meanwhile; uptime: ${f.uptime}`,
      ].join('\n'),
    );
  } finally {
    await bare.stop();
    await server.stop();
  }
} finally {
  await receiver.close();
  await database.drop();
}

