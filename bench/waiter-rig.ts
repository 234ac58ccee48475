/**
 * W1's rig, shared by `waiter-latency.ts` (the server against the bare app) and `ab-waiter.ts` (two
 * builds of the server): per request a long poll opened a second ahead of its decision, one event
 * stream per side, decisions at a fixed rate; each phase's latencies, and what a decision with its
 * waiters cost in CPU.
 */
import { busyPercent, cpuSeconds, decide, machineTicks, pacedLatency, percentile, postgresCpu, sleep, type PacedPhase, type Seeded } from './lib.ts';

/** Arrival times (performance.now()) of each kind of waiter, by request id. */
export interface Arrivals {
  poll: Map<string, number>;
  stream: Map<string, number>;
  /** When the decision itself was answered (on the deciding process): splits the path into deciding and waking. */
  decided: Map<string, number>;
}

export const arrivals = (): Arrivals => ({ poll: new Map(), stream: new Map(), decided: new Map() });

/** A stream event this much later than the long poll of the same decision counts as lagging. */
export const STREAM_LAG_MS = 10;

/** Reads a Server-Sent Events stream, noting when each request's decision first arrives. */
export async function openStream(url: string, key: string | null, idOf: (data: unknown, event: string) => string | null, into: Map<string, number>): Promise<() => void> {
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
export function poll(url: string, key: string | null, into: Map<string, number>, id: string, decided: (body: Record<string, unknown>) => boolean): void {
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

const DECISIONS = new Set(['approval.approved', 'approval.rejected']);

/** The server's event stream of the org, noting each request's decision: what a waiting replica's SSE client sees. */
function openServerStream(waitingUrl: string, key: string, into: Map<string, number>): Promise<() => void> {
  return openStream(`${waitingUrl}/api/v1/events`, key, (p, event) => (DECISIONS.has(event) ? ((p as { data: { approval_id: string } }).data.approval_id ?? null) : null), into);
}

/** One side of a W1 run: its requests, how each is waited on and decided, and the processes that serve it. */
export interface WaiterSide {
  ids: readonly string[];
  seen: Arrivals;
  /** Opens request `i`'s long poll. */
  openPoll(i: number): void;
  /** Decides request `id`; resolves when answered. */
  decide(id: string): Promise<number>;
  /** The side's app processes (the deciding and the waiting one), for their CPU. */
  pids: readonly number[];
}

/** A server process as the rig needs it. */
interface Process {
  url: string;
  child: { pid?: number };
}

/**
 * The server's side of W1: requests `ids` decided on `deciding` by the seeded decider, each long-polled
 * on `waiting` by the seeded keys but the first in turn, and the org's event stream on `waiting` by the
 * first key. Resolves once the stream is open; `close` ends it.
 */
export async function serverSide(deciding: Process, waiting: Process, seeded: Seeded, ids: readonly string[]): Promise<{ side: WaiterSide; close: () => void }> {
  const waitKey = (i: number) => seeded.keys[1 + (i % (seeded.keys.length - 1))]!;
  const side: WaiterSide = {
    ids,
    seen: arrivals(),
    openPoll: (i) => poll(`${waiting.url}/api/v1/approvals/${ids[i]}/wait?timeout=30`, waitKey(i), side.seen.poll, ids[i]!, (b) => b.status !== 'pending'),
    decide: (id) => decide(deciding.url, seeded.decider, id),
    pids: [deciding.child.pid!, waiting.child.pid!],
  };
  return { side, close: await openServerStream(waiting.url, seeded.keys[0]!, side.seen.stream) };
}

export interface WaiterPhase extends PacedPhase {
  poll: { p50_ms: number; p99_ms: number; lost: number };
  stream: { p50_ms: number; p99_ms: number; lost: number };
  decision: { p50_ms: number; p99_ms: number; lost: number };
  /** Stream events over STREAM_LAG_MS after the long poll of the same decision. */
  lagging: number;
  /** CPU ms a decision with its waiters: both app processes, every Postgres process; the machine's busy share meanwhile. */
  cpu: { apps_ms: number; postgres_ms: number; machine_busy_percent: number };
}

/**
 * Decisions `from`…`from + count - 1` of `side` at `rate`/s, each request's long poll opened a second
 * (`rate` decisions) ahead. Latency per decision: sent → both waiters answered (the later of the two).
 */
export async function waiterPhase(side: WaiterSide, from: number, count: number, rate: number): Promise<WaiterPhase> {
  const { ids, seen } = side;
  const lead = rate;
  const apps = () => side.pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  const cpu0 = { apps: apps(), postgres: postgresCpu(), machine: machineTicks() };
  // Each long poll is opened a second before its decision, evenly, from the first one on: the
  // first second opens polls only, at the decisions' rate, as every later second does beside its
  // decisions (a hundred opened at once would measure a burst of opens, not a wake-up).
  const opening = performance.now();
  for (let j = 0; j < Math.min(lead, count); j++) {
    const wait = opening + (j * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    side.openPoll(from + j);
  }
  await sleep(opening + (Math.min(lead, count) * 1000) / rate - performance.now());
  const sentAt = new Map<number, number>();
  const both = await pacedLatency(
    count,
    rate,
    (j) => {
      sentAt.set(j, performance.now());
      if (j + lead < count) side.openPoll(from + j + lead);
      const id = ids[from + j]!;
      return side.decide(id).finally(() => seen.decided.set(id, performance.now()));
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
  // Near the machine's limit the queue, not any one step, sets the latency: what each side costs says why.
  const cpu = {
    apps_ms: Math.round((1e6 * (apps() - cpu0.apps)) / count) / 1000,
    postgres_ms: Math.round((1e6 * (postgresCpu() - cpu0.postgres)) / count) / 1000,
    machine_busy_percent: busyPercent(cpu0.machine, machineTicks()),
  };
  return { ...both, poll: of(seen.poll), stream: of(seen.stream), decision: of(seen.decided), lagging, cpu };
}
