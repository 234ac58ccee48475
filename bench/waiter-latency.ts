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
import { createDatabase, createMany, decide, interleavedLatencyRounds, pacedLatency, percentile, pgQuery, record, seed, sleep, startHelper, startServer, storageEnv, uptimeLoad, median } from './lib.ts';

const RATE = Number(process.env.BENCH_W1_RATE ?? 100);
const SECS = Number(process.env.BENCH_W1_SECONDS ?? 30);
const ROUNDS = Number(process.env.BENCH_W1_ROUNDS ?? 3);
const WARM = 100;
const N = RATE * SECS;
/** How far ahead of its decision a request's long poll is opened. */
const LEAD = RATE;
const TEMPORAL_SIGNAL_P99_MS = 91;
/** A stream event this much later than the long poll of the same decision counts as lagging. */
const STREAM_LAG_MS = 10;

/** Arrival times (performance.now()) of each kind of waiter, by request id. */
interface Arrivals {
  poll: Map<string, number>;
  stream: Map<string, number>;
  /** When the decision itself was answered (on the deciding process): splits the path into deciding and waking. */
  decided: Map<string, number>;
}

/** Reads a Server-Sent Events stream, noting when each request's decision first arrives. */
async function openStream(url: string, key: string | null, idOf: (data: unknown, event: string) => string | null, into: Map<string, number>): Promise<() => void> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}`, accept: 'text/event-stream' } : { accept: 'text/event-stream' }, signal: abort.signal });
  if (res.status !== 200) throw new Error(`event stream answered ${res.status}`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const at = performance.now();
        buf += value;
        let end: number;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (!data) continue;
          const id = idOf(JSON.parse(data), event);
          if (id && !into.has(id)) into.set(id, at);
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
  return () => abort.abort();
}

/** A long poll for one request, noting when it answered with the request decided. */
function poll(url: string, key: string | null, into: Map<string, number>, id: string, decided: (body: Record<string, unknown>) => boolean): void {
  void (async () => {
    for (let attempt = 0; attempt < 3 && !into.has(id); attempt++) {
      try {
        const res = await fetch(url, key ? { headers: { authorization: `Bearer ${key}` } } : {});
        const body = (await res.json()) as Record<string, unknown>;
        if (res.status === 200 && decided(body)) into.set(id, performance.now());
        else if (res.status !== 200) return;
      } catch {
        return;
      }
    }
  })();
}

const database = await createDatabase('waiter');
try {
  const storage = { DATABASE_URL: database.url, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const seeded = await seed(storage, 8);
  const deciding = await startServer(storageEnv(storage));
  const waiting = await startServer(storageEnv(storage));
  const bareDeciding = await startHelper('bare-waiter.mjs', [], { DATABASE_URL: database.url });
  const bareWaiting = await startHelper('bare-waiter.mjs', [], { DATABASE_URL: database.url });
  const server: Arrivals = { poll: new Map(), stream: new Map(), decided: new Map() };
  const bare: Arrivals = { poll: new Map(), stream: new Map(), decided: new Map() };
  const closers: (() => void)[] = [];
  try {
    const total = WARM + N * ROUNDS;
    const serverIds = await createMany(deciding.url, seeded.keys, total);
    const bareIds = (
      await pgQuery(database.url)<{ id: string }>(`INSERT INTO bare_waits (title) SELECT 'Bench ' || i FROM generate_series(0, $1 - 1) AS i ORDER BY i RETURNING id`, [total])
    ).map((r) => r.id);
    const DECISIONS = new Set(['approval.approved', 'approval.rejected']);
    closers.push(
      await openStream(`${waiting.url}/api/v1/events`, seeded.keys[0]!, (p, event) => (DECISIONS.has(event) ? ((p as { data: { approval_id: string } }).data.approval_id ?? null) : null), server.stream),
      await openStream(`${bareWaiting.url}/api/v1/events`, null, (p) => (p as { id: string }).id, bare.stream),
    );

    const waitKey = (i: number) => seeded.keys[1 + (i % (seeded.keys.length - 1))]!;
    const openPoll = (app: 'server' | 'bare', ids: string[], i: number) =>
      app === 'server'
        ? poll(`${waiting.url}/api/v1/approvals/${ids[i]}/wait?timeout=30`, waitKey(i), server.poll, ids[i]!, (b) => b.status !== 'pending')
        : poll(`${bareWaiting.url}/api/v1/approvals/${ids[i]}/wait`, null, bare.poll, ids[i]!, (b) => b.status !== 'pending');

    /** Decisions `from`…`from + count - 1` at RATE/s, each request's long poll opened LEAD decisions ahead. */
    const phase = async (app: 'server' | 'bare', from: number, count: number) => {
      const ids = app === 'server' ? serverIds : bareIds;
      const url = app === 'server' ? deciding.url : bareDeciding.url;
      const seen = app === 'server' ? server : bare;
      // Each long poll is opened a second before its decision, evenly, from the first one on: the
      // first second opens polls only, at the decisions' rate, as every later second does beside its
      // decisions (a hundred opened at once would measure a burst of opens, not a wake-up).
      const opening = performance.now();
      for (let j = 0; j < Math.min(LEAD, count); j++) {
        const wait = opening + (j * 1000) / RATE - performance.now();
        if (wait > 0) await sleep(wait);
        openPoll(app, ids, from + j);
      }
      await sleep(opening + (Math.min(LEAD, count) * 1000) / RATE - performance.now());
      const sentAt = new Map<number, number>();
      const both = await pacedLatency(
        count,
        RATE,
        (j) => {
          sentAt.set(j, performance.now());
          if (j + LEAD < count) openPoll(app, ids, from + j + LEAD);
          const id = ids[from + j]!;
          return decide(url, seeded.decider, id).finally(() => seen.decided.set(id, performance.now()));
        },
        (j) => {
          const a = seen.poll.get(ids[from + j]!);
          const b = seen.stream.get(ids[from + j]!);
          return a === undefined || b === undefined ? undefined : Math.max(a, b);
        },
      );
      const of = (m: Map<string, number>) => {
        const lat: number[] = [];
        for (let j = 0; j < count; j++) {
          const at = m.get(ids[from + j]!);
          if (at !== undefined) lat.push(at - sentAt.get(j)!);
        }
        lat.sort((a, b) => a - b);
        return { p50_ms: percentile(lat, 50), p99_ms: percentile(lat, 99), lost: count - lat.length };
      };
      // How often the stream came well after the long poll of the same decision: a stream's read held
      // back by an older transaction still running (modules/stream/read-events.ts) shows here.
      let lagging = 0;
      for (let j = 0; j < count; j++) {
        const a = seen.poll.get(ids[from + j]!);
        const b = seen.stream.get(ids[from + j]!);
        if (a !== undefined && b !== undefined && b - a > STREAM_LAG_MS) lagging++;
      }
      return { ...both, poll: of(seen.poll), stream: of(seen.stream), decision: of(seen.decided), lagging };
    };

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
