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
import { createDatabase, createMany, decide, interleavedLatencyRounds, pacedLatency, type PacedPhase, pgQuery, record, seed, startCallbackReceiver, startHelper, startServer, storageEnv, tcpCounter, uptimeLoad } from './lib.ts';

const RATE = Number(process.env.BENCH_P3_RATE ?? 100);
const SECS = Number(process.env.BENCH_P3_SECONDS ?? 30);
const ROUNDS = Number(process.env.BENCH_P3_ROUNDS ?? 3);
const WARM = 100;
const N = RATE * SECS;

type Phase = PacedPhase;

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
    // A decision that fails to connect (a 10 s connect timeout on a machine under heavy load) counts as status 0, and its callback as lost.
    const phase = (url: string, key: string, ids: string[], prefix: string, from: number, count: number, rate: number): Promise<Phase> =>
      pacedLatency(count, rate, (j) => decide(url, key, ids[from + j]!), (j) => receiver.arrivals.get(`/${prefix}/${from + j}`));

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
    const met = f.p50_ratio <= 1.2 && f.p99_ratio <= 1.5 && lost === 0;
    record(
      'callback-latency',
      f,
      [
        `P3 decision → callback at ${RATE}/s, ${ROUNDS} interleaved rounds of ${SECS} s: server p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms (medians), lost ${lost} of ${N * ROUNDS}`,
        `bare Express + pg (one UPDATE, callback inline): p50 ${f.bare_p50_ms} ms, p99 ${f.bare_p99_ms} ms; ratio p50 ${f.p50_ratio}× (${f.p50_ratio_spread.join('–')}), p99 ${f.p99_ratio}× (${f.p99_ratio_spread.join('–')}) (target p50 ≤ 1.2×, p99 ≤ 1.5×, 0 lost) ${met ? 'MET' : 'MISSED'}`,
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

