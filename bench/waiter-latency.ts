/**
 * W1: decision → a woken waiter on ANOTHER replica, against a bare reference in the same run. Two
 * server processes share one Postgres: decisions go to the first at a fixed rate (default 100/s for
 * 30 s); the second holds, for each request, a long poll (`GET …/wait`, opened a second ahead of its
 * decision) and one Server-Sent Events stream (`GET /api/v1/events`) for the org. Latency per decision
 * = decision sent → the waiter answered, for the long poll and for the stream, and "both" (the later of
 * the two: when every kind of waiter has it). Lost = decided but a waiter not answered within 15 s.
 *
 * The reference (`bare-waiter.mjs`) is two Express 5 + pg processes waking their waiters with Postgres
 * LISTEN/NOTIFY, the decision's UPDATE notifying in its own statement. Phases alternate (server first in
 * odd rounds) for BENCH_W1_ROUNDS rounds; each ratio is the median of the rounds with its spread.
 * The absolute p99 is printed beside Temporal Cloud's published Signal p99 (91 ms), as context only.
 */
import { createDatabase, createMany, decide, interleavedLatencyRounds, median, pgQuery, record, seed, startHelper, startServer, storageEnv, uptimeLoad } from './lib.ts';
import { arrivals, openStream, poll, serverSide, STREAM_LAG_MS, waiterPhase, type WaiterSide } from './waiter-rig.ts';

const RATE = Number(process.env.BENCH_W1_RATE ?? 100);
const SECS = Number(process.env.BENCH_W1_SECONDS ?? 30);
const ROUNDS = Number(process.env.BENCH_W1_ROUNDS ?? 3);
const WARM = 100;
const N = RATE * SECS;
const TEMPORAL_SIGNAL_P99_MS = 91;

const database = await createDatabase('waiter');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 8);
  const deciding = await startServer(storageEnv(storage));
  const waiting = await startServer(storageEnv(storage));
  const bareDeciding = await startHelper('bare-waiter.mjs', [], { DATABASE_URL: database.url });
  const bareWaiting = await startHelper('bare-waiter.mjs', [], { DATABASE_URL: database.url });
  const closers: (() => void)[] = [];
  try {
    const total = WARM + N * ROUNDS;
    const serverIds = await createMany(deciding.url, seeded.keys, total);
    const bareIds = (
      await pgQuery(database.url)<{ id: string }>(`INSERT INTO bare_waits (title) SELECT 'Bench ' || i FROM generate_series(0, $1 - 1) AS i ORDER BY i RETURNING id`, [total])
    ).map((r) => r.id);
    const { side: server, close } = await serverSide(deciding, waiting, seeded, serverIds);
    closers.push(close);
    const bare: WaiterSide = {
      ids: bareIds,
      seen: arrivals(),
      openPoll: (i) => poll(`${bareWaiting.url}/api/v1/approvals/${bareIds[i]}/wait`, null, bare.seen.poll, bareIds[i]!, (b) => b.status !== 'pending'),
      decide: (id) => decide(bareDeciding.url, seeded.decider, id),
      pids: [bareDeciding.child.pid!, bareWaiting.child.pid!],
    };
    closers.push(await openStream(`${bareWaiting.url}/api/v1/events`, null, (p) => (p as { id: string }).id, bare.seen.stream));
    const phase = (app: 'server' | 'bare', from: number, count: number) => waiterPhase(app === 'server' ? server : bare, from, count, RATE);

    await phase('server', 0, WARM);
    await phase('bare', 0, WARM);

    const summary = await interleavedLatencyRounds(ROUNDS, (app, r) => phase(app, WARM + r * N, N));
    const kind = (k: 'poll' | 'stream' | 'decision') => ({
      p50_ms: median(summary.per_round.map((x) => x.server[k].p50_ms)),
      p99_ms: median(summary.per_round.map((x) => x.server[k].p99_ms)),
      bare_p50_ms: median(summary.per_round.map((x) => x.bare[k].p50_ms)),
      bare_p99_ms: median(summary.per_round.map((x) => x.bare[k].p99_ms)),
      lost: summary.per_round.reduce((n, x) => n + x.server[k].lost, 0),
    });
    const f = {
      database: 'postgres',
      replicas: 2,
      rate: RATE,
      seconds: SECS,
      rounds: ROUNDS,
      decisions: N * ROUNDS,
      p50_ms: summary.p50_ms,
      p99_ms: summary.p99_ms,
      bare_p50_ms: summary.bare_p50_ms,
      bare_p99_ms: summary.bare_p99_ms,
      p50_ratio: summary.p50_ratio,
      p50_ratio_spread: summary.p50_ratio_spread,
      p99_ratio: summary.p99_ratio,
      p99_ratio_spread: summary.p99_ratio_spread,
      lost: summary.lost,
      bare_lost: summary.bare_lost,
      long_poll: kind('poll'),
      event_stream: kind('stream'),
      decision_answered: kind('decision'),
      cpu_per_decision: {
        apps_ms: median(summary.per_round.map((x) => x.server.cpu.apps_ms)),
        postgres_ms: median(summary.per_round.map((x) => x.server.cpu.postgres_ms)),
        machine_busy_percent: median(summary.per_round.map((x) => x.server.cpu.machine_busy_percent)),
        bare_apps_ms: median(summary.per_round.map((x) => x.bare.cpu.apps_ms)),
        bare_postgres_ms: median(summary.per_round.map((x) => x.bare.cpu.postgres_ms)),
        bare_machine_busy_percent: median(summary.per_round.map((x) => x.bare.cpu.machine_busy_percent)),
      },
      stream_lagging: {
        over_ms: STREAM_LAG_MS,
        server: summary.per_round.reduce((n, x) => n + x.server.lagging, 0),
        bare: summary.per_round.reduce((n, x) => n + x.bare.lagging, 0),
        of: N * ROUNDS,
      },
      temporal_signal_p99_ms: TEMPORAL_SIGNAL_P99_MS,
      uptime: uptimeLoad(),
    };
    const met = f.p50_ratio <= 1.5 && f.p99_ratio <= 1.5 && f.lost === 0;
    record(
      'waiter-latency',
      f,
      [
        `W1 decision → waiters on another replica at ${RATE}/s, ${ROUNDS} interleaved rounds of ${SECS} s: both answered p50 ${f.p50_ms} ms, p99 ${f.p99_ms} ms (medians), lost ${f.lost} of ${N * ROUNDS}`,
        `bare Express + pg with LISTEN/NOTIFY: p50 ${f.bare_p50_ms} ms, p99 ${f.bare_p99_ms} ms; ratio p50 ${f.p50_ratio}× (${f.p50_ratio_spread.join('–')}), p99 ${f.p99_ratio}× (${f.p99_ratio_spread.join('–')}) (target ≤ 1.5×) ${met ? 'MET' : 'MISSED'}`,
        `long poll: p50 ${f.long_poll.p50_ms} / p99 ${f.long_poll.p99_ms} ms (bare ${f.long_poll.bare_p50_ms} / ${f.long_poll.bare_p99_ms}); event stream: p50 ${f.event_stream.p50_ms} / p99 ${f.event_stream.p99_ms} ms (bare ${f.event_stream.bare_p50_ms} / ${f.event_stream.bare_p99_ms}); the decision itself answered: p50 ${f.decision_answered.p50_ms} / p99 ${f.decision_answered.p99_ms} ms (bare ${f.decision_answered.bare_p50_ms} / ${f.decision_answered.bare_p99_ms}); the stream over ${STREAM_LAG_MS} ms after the long poll: ${f.stream_lagging.server} of ${f.stream_lagging.of} (bare ${f.stream_lagging.bare})`,
        `CPU a decision with its waiters (medians): the two server processes ${f.cpu_per_decision.apps_ms} ms, Postgres ${f.cpu_per_decision.postgres_ms} ms, the machine ${f.cpu_per_decision.machine_busy_percent} % busy; bare ${f.cpu_per_decision.bare_apps_ms} and ${f.cpu_per_decision.bare_postgres_ms} ms, ${f.cpu_per_decision.bare_machine_busy_percent} % busy`,
        `context, not a target here: Temporal Cloud's published Signal p99 is ${TEMPORAL_SIGNAL_P99_MS} ms; uptime: ${f.uptime}`,
      ].join('\n'),
    );
  } finally {
    for (const close of closers) close();
    await Promise.all([bareDeciding.stop(), bareWaiting.stop()]);
    await Promise.all([deciding.stop(), waiting.stop()]);
  }
} finally {
  await database.drop();
}
