/**
 * Shared pieces of the benchmarks and fault scripts: a database per run, seeding, real server
 * processes, the bare-app baselines, load from a separate process (autocannon) and recording.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { openDatabase } from '../apps/server/src/storage/open.ts';
import { openPostgres } from '../apps/server/src/storage/postgres.ts';
import { createOrg } from '../apps/server/src/modules/orgs/create-org.ts';
import { createConnection } from '../apps/server/src/modules/connections/connections.ts';
import { freePort, spawnServer, type SpawnedServer } from '../apps/server/src/testing/spawn-server.ts';
import { createFlow } from '../apps/server/src/modules/flows/flows.ts';
import { SYSTEM_ACTOR } from '../apps/server/src/core/audit.ts';
import { SCOPES } from '../packages/contract/src/index.ts';

export const HERE = fileURLToPath(new URL('.', import.meta.url));
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/**
 * API keys a throughput benchmark spreads its load over: one per connection of the closed loop, so
 * that even 6,000 creates/s over three rounds stay under each key's highest limit (10,000 a minute)
 * and no figure counts a 429.
 */
export const LOAD_KEYS = 64;

export function machine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}, load ${load}`;
}

/** Appends one JSON line to results/<bench>.jsonl and prints the figures last. */
export function record(bench: string, figures: Record<string, unknown>, summary: string): void {
  const row = { at: new Date().toISOString(), bench, machine: machine(), ...figures };
  mkdirSync(path.join(HERE, 'results'), { recursive: true });
  appendFileSync(path.join(HERE, 'results', `${bench}.jsonl`), JSON.stringify(row) + '\n');
  console.log(`\n== ${bench} ==\n${summary}\n${JSON.stringify(figures)}`);
}

const created = new Set<string>();
// A script stopped by a signal (a timeout, Ctrl-C) still drops the databases it created.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    const names = [...created];
    if (names.length === 0) process.exit(130);
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    c.connect()
      .then(async () => {
        for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      })
      .finally(() => c.end().finally(() => process.exit(130)));
  });
}

/** A fresh Postgres database for this run; `drop()` removes it. */
export async function createDatabase(tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_${tag}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  created.add(name);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      created.delete(name);
    },
  };
}

export function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-bench-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Seeded {
  orgId: string;
  /** API keys with every scope and the highest hourly limit (10,000): load is spread across them. */
  keys: string[];
  /** A second principal's key (the creator cannot decide its own requests). */
  decider: string;
}

/** Storage opened to seed it: migrated first, unless `migrated` (seed says why). */
function openToSeed(storage: { DATABASE_URL?: string; GREENLIGHT_DATA_DIR: string }, migrated: boolean) {
  return migrated && storage.DATABASE_URL ? openPostgres({ connectionString: storage.DATABASE_URL, max: 2 }) : openDatabase(storage);
}

/**
 * Migrates and seeds storage before the server process opens it (one process owns a PGlite directory).
 * `migrated`: a Postgres database some server has already migrated, seeded as it is: the A/B scripts'
 * older build migrates its own database, and this checkout's migrations would leave it one the older
 * build refuses to start on.
 */
export async function seed(storage: { DATABASE_URL?: string; GREENLIGHT_DATA_DIR: string }, keys: number, orgs = 1, migrated = false): Promise<Seeded> {
  const db = await openToSeed(storage, migrated);
  try {
    const orgIds: string[] = [];
    for (let o = 0; o < orgs; o++) {
      const slug = `bench-${o}-${Date.now().toString(36)}`;
      orgIds.push((await createOrg(db, { slug, name: `Bench ${o}`, adminEmail: `admin@${slug}.test` })).org.id);
    }
    const out: string[] = [];
    for (let i = 0; i < keys + 1; i++) {
      // Key 0 (the decider) and key 1 share the first org; further keys go round-robin across orgs.
      const orgId = orgIds[Math.max(0, i - 1) % orgs]!;
      // The highest limit a connection may have, per minute: a benchmark measures the server, never
      // its rate limiter (the decider alone sends 20/s in the soak, 12,000 in 10 minutes).
      const { apiKey } = await createConnection(db, { orgId, name: `bench-${i}`, scopes: [...SCOPES], rateLimit: 10_000, rateLimitWindow: 'minute' });
      out.push(apiKey);
    }
    return { orgId: orgIds[0]!, keys: out.slice(1), decider: out[0]! };
  } finally {
    await db.close();
  }
}

export function storageEnv(storage: { DATABASE_URL?: string; GREENLIGHT_DATA_DIR: string }): Record<string, string> {
  return storage.DATABASE_URL ? { DATABASE_URL: storage.DATABASE_URL } : { GREENLIGHT_DATA_DIR: storage.GREENLIGHT_DATA_DIR };
}

/**
 * The server as `pnpm start` runs it: the compiled bundle (built first when stale), in production
 * mode. BENCH_SERVER=tsx runs the sources through tsx instead, to compare the two; `bundle` another
 * checkout's bundle, started the same way (the A/B scripts, ab-*.ts).
 */
export function startServer(env: Record<string, string>, port?: number, options: { pollMs?: number; nodeArgs?: string[]; bundle?: string } = {}): Promise<SpawnedServer> {
  const compiled = process.env.BENCH_SERVER !== 'tsx';
  // BENCH_CPU_PROF=DIR: each server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const nodeArgs = [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`, ...(process.env.BENCH_CPU_PROF_INTERVAL ? [`--cpu-prof-interval=${process.env.BENCH_CPU_PROF_INTERVAL}`] : [])] : []), ...(options.nodeArgs ?? [])];
  return spawnServer({ NODE_ENV: 'production', ...env }, { compiled, timeoutMs: 60_000, ...options, nodeArgs, ...(port ? { port } : {}) });
}

/**
 * One build of an A/B script on a Postgres database of its own: its server first, so the build
 * migrates the database itself (a revision older than a migration of this checkout still starts),
 * then seeded as it is (seed's `migrated`). The server is stopped again if seeding fails.
 */
export async function startSeeded(
  databaseUrl: string,
  env: Record<string, string>,
  keys: number,
  bundle: { bundle?: string },
): Promise<{ server: SpawnedServer; seeded: Seeded; storage: { DATABASE_URL: string; GREENLIGHT_DATA_DIR: string } }> {
  const storage = { DATABASE_URL: databaseUrl, GREENLIGHT_DATA_DIR: '/nonexistent' };
  const server = await startServer({ ...storageEnv(storage), ...env }, undefined, bundle);
  try {
    return { server, seeded: await seed(storage, keys, 1, true), storage };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export interface Child {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Runs a bench/*.mjs helper process and waits for its first stdout line ("ready <ms>"). */
export async function startHelper(script: string, args: string[], env: Record<string, string> = {}): Promise<Child & { readyMs: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(HERE, script), ...args], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const readyMs = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      const m = /ready (\d+(?:\.\d+)?)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    readyMs,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface LoadFigures {
  requests: number;
  rps: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  statuses: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  path?: string;
  method?: 'GET' | 'POST';
  keys?: string[];
  connections: number;
  seconds: number;
  /** Requests per second across all connections, evenly paced (open loop: see cannon.mjs). */
  rate?: number;
  /** Record every 201's id in this file (fault scripts compare it with the database). */
  idsFile?: string;
}

/** autocannon in its own process (cannon.mjs), so load generation never shares the server's CPU time slice accounting. */
export function load(o: LoadOptions): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(HERE, 'cannon.mjs'), JSON.stringify(o)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`cannon.mjs exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadFigures);
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** A call frame of a V8 CPU or heap profile. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** A profile frame as the profile scripts print it: the function, and its file without the node_modules or server prefix. */
export function frameName(f: CallFrame): string {
  const where = f.url.replace(/^.*node_modules\/(\.pnpm\/)?/, '').replace(/^file:\/\/.*?\/apps\/server\//, '');
  return `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
}

/** Where a frame's code lives: PGlite's engine or glue, the server, a package by name, Node, or V8's own. */
export function frameArea(f: CallFrame): string {
  const u = f.url;
  const fn = f.functionName;
  if (u.startsWith('wasm://')) return 'PGlite wasm (Postgres itself)';
  if (u.includes('@electric-sql')) return 'PGlite JS glue';
  if (/\/apps\/server\/(src|dist)\//.test(u)) return 'Greenlight server code';
  return /node_modules\/\.pnpm\/([^/]+)/.exec(u)?.[1]?.replace(/@[\d.]+.*$/, '') ?? (u.startsWith('node:') ? 'node internals' : fn.startsWith('(') ? fn : fn ? `native: ${fn}` : '(no function: V8 itself)');
}

/** A V8 CPU profile (`--cpu-prof`), as far as the profile scripts read it. */
export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; hitCount?: number }[];
}

/** A CPU profile's self time by `key` of each frame (frameName, frameArea): the `n` largest, a line each with its share of the samples. */
export function topSelfTime(profile: CpuProfile, key: (f: CallFrame) => string, n: number): string[] {
  const total = profile.nodes.reduce((s, x) => s + (x.hitCount ?? 0), 0);
  const by = new Map<string, number>();
  for (const x of profile.nodes) by.set(key(x.callFrame), (by.get(key(x.callFrame)) ?? 0) + (x.hitCount ?? 0));
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** `run` with the peak RSS of process `pid` while it ran (sampled every 250 ms from /proc, and at both ends). */
export async function withPeakRss<T>(pid: number, run: () => Promise<T>): Promise<{ result: T; peakRss: number }> {
  let peakRss = rssMb(pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 250);
  try {
    const result = await run();
    return { result, peakRss: Math.max(peakRss, rssMb(pid)) };
  } finally {
    clearInterval(sampler);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function pgQuery(url: string) {
  return async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
}

export function loadAverage(): number {
  return os.loadavg()[0]!;
}

export { execFileSync };

/**
 * Samples what Postgres backends of one database wait on, every 100 ms until `stop()`: the profile
 * that tells a lock-bound create path (advisory / NOTIFY queue lock) from a CPU- or I/O-bound one.
 */
export function sampleWaits(adminUrl: string, database: string): { stop(): Promise<Record<string, number>> } {
  const counts: Record<string, number> = {};
  const client = new pg.Client({ connectionString: adminUrl });
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query<{ w: string; n: number }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, state) AS w, count(*)::int AS n
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle' GROUP BY 1`,
        [database],
      );
      for (const r of rows) counts[r.w] = (counts[r.w] ?? 0) + r.n;
      await sleep(100);
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 6));
    },
  };
}

/**
 * A loopback webhook receiver in this process: records when each path was first hit (ms,
 * performance.now()). `setDown(true)` closes the listening socket (senders get ECONNREFUSED) and
 * `setDown(false)` listens again on the same port.
 */
export async function startCallbackReceiver(): Promise<{
  url: string;
  arrivals: Map<string, number>;
  hits: { n: number };
  setDown(down: boolean): Promise<void>;
  close(): Promise<void>;
}> {
  const { createServer } = await import('node:http');
  const arrivals = new Map<string, number>();
  const hits = { n: 0 };
  const server = createServer((req, res) => {
    const at = performance.now();
    req.resume();
    req.on('end', () => {
      hits.n++;
      if (!arrivals.has(req.url!)) arrivals.set(req.url!, at);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  const close = () =>
    new Promise<void>((r) => {
      if (!server.listening) return r();
      server.close(() => r());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    hits,
    async setDown(down) {
      if (down) await close();
      else await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    },
    close,
  };
}

/** Creates `n` approvals (16 at a time, keys round-robin); `body(i)` adds fields. Returns the ids in order. */
export async function createMany(url: string, keys: string[], n: number, body: (i: number) => Record<string, unknown> = () => ({})): Promise<string[]> {
  const ids: string[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const i = next++;
        const res = await fetch(`${url}/api/v1/approvals`, {
          method: 'POST',
          headers: { authorization: `Bearer ${keys[i % keys.length]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `Bench ${i}`, description: 'seeded', priority: 'low', ...body(i) }),
        });
        const json = (await res.json()) as { id: string };
        if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(json)}`);
        ids[i] = json.id;
      }
    }),
  );
  return ids;
}

export async function decide(url: string, key: string, id: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/approvals/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ decision: 'approve' }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Linux TcpExt counters (e.g. TCPSynRetrans): a 1 s / 3 s latency tail on loopback is a retransmitted SYN. */
export function tcpCounter(name: string): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
  const keys = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = keys.indexOf(name);
  return i < 0 ? 0 : Number(values[i]);
}

/** CPU seconds (user + system) a process has used so far (Linux /proc, clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * What `run` cost the machine: CPU ms per request of the HTTP process `pid` and of all Postgres
 * processes (`requests` says how many `run` made), and the machine's busy share meanwhile.
 */
export async function cpuPerRequest<T>(
  pid: number,
  run: () => Promise<T>,
  requests: (result: T) => number,
): Promise<{ result: T; http_process_ms: number; postgres_ms: number; machine_busy_percent: number }> {
  const [n0, p0, m0] = [cpuSeconds(pid), postgresCpu(), machineTicks()];
  const result = await run();
  const [n1, p1, m1] = [cpuSeconds(pid), postgresCpu(), machineTicks()];
  const n = requests(result);
  return {
    result,
    http_process_ms: Math.round((1e6 * (n1 - n0)) / n) / 1000,
    postgres_ms: Math.round((1e6 * (p1 - p0)) / n) / 1000,
    machine_busy_percent: busyPercent(m0, m1),
  };
}

/** CPU seconds used so far by every process named `postgres` (backends, WAL writer, checkpointer…). */
export function postgresCpu(): number {
  let s = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') s += cpuSeconds(Number(pid));
    } catch {
      // The process ended while we looked.
    }
  }
  return s;
}

/**
 * The machine's CPU time so far, from /proc/stat: busy (user, nice, system, irq, softirq, steal) and
 * all (those plus idle and iowait), in ticks; and steal apart, the time the hypervisor gave this
 * machine's CPUs to someone else, which stalls every process here at random.
 */
export function machineTicks(): { busy: number; all: number; steal: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return { busy: user + nice + system + irq + softirq + steal, all: user + nice + system + idle + iowait + irq + softirq + steal, steal };
}

/** The machine's busy share between two machineTicks() readings, in whole percent. */
export function busyPercent(from: { busy: number; all: number }, to: { busy: number; all: number }): number {
  return Math.round((100 * (to.busy - from.busy)) / (to.all - from.all));
}

/** The share of the machine's CPU time stolen by the hypervisor between two machineTicks() readings, in whole percent. */
export function stealPercent(from: { steal: number; all: number }, to: { steal: number; all: number }): number {
  return Math.round((100 * (to.steal - from.steal)) / (to.all - from.all));
}

/** The cluster's current WAL position; the difference across a run / its requests = WAL bytes per request (cluster-wide, so other work on the cluster adds to it). */
/** A statement's share of a run, from pg_stat_statements. */
export interface StatementFigure {
  calls: string;
  ms: string;
  mean: string;
  query: string;
}

/**
 * Whether pg_stat_statements is there to ask (shared_preload_libraries, and the extension in the
 * admin database); it is reset when it is, so what `topStatements` reads is the run's.
 */
export async function resetStatements(): Promise<boolean> {
  try {
    await pgQuery(PG_ADMIN_URL)('SELECT pg_stat_statements_reset()');
    return true;
  } catch {
    return false;
  }
}

/** The costliest statements run in one database since `resetStatements`, with a line each for the summary. */
export async function topStatements(databaseUrl: string, limit = 30): Promise<{ top: StatementFigure[]; lines: string[] }> {
  const top = await pgQuery(PG_ADMIN_URL)<StatementFigure>(
    `SELECT calls::text, round(total_exec_time)::text AS ms, round(mean_exec_time::numeric, 3)::text AS mean, left(regexp_replace(query, '\\s+', ' ', 'g'), 150) AS query
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) ORDER BY total_exec_time DESC LIMIT ${limit}`,
    [new URL(databaseUrl).pathname.slice(1)],
  );
  return { top, lines: top.map((t) => `  ${t.ms.padStart(6)} ms ${t.calls.padStart(7)} calls ${t.mean.padStart(8)} ms  ${t.query}`) };
}

export async function walLsn(): Promise<string> {
  const rows = await pgQuery(PG_ADMIN_URL)<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return rows[0]!.lsn;
}
export async function walBytesSince(lsn: string): Promise<number> {
  const rows = await pgQuery(PG_ADMIN_URL)<{ n: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS n', [lsn]);
  return Number(rows[0]!.n);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = Math.floor(s.length / 2);
  return Number((s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2).toFixed(2));
}

/** Min and max of a set of per-round figures: the spread reported beside a median. */
export function spread(xs: number[]): [number, number] {
  return [Math.min(...xs), Math.max(...xs)];
}

/** `uptime`'s load averages (1, 5, 15 min), as recorded beside every figure. */
export function uptimeLoad(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(', ');
}

/** What one timed phase of a latency benchmark reports (the server's or the bare app's). */
export interface LatencyPhase {
  p50_ms: number;
  p99_ms: number;
  lost: number;
  load1: number;
}

/** a / b to two decimals; a bare figure under 0.01 ms counts as 0.01. */
export function latencyRatio(a: number, b: number): number {
  return Number((a / Math.max(b, 0.01)).toFixed(2));
}

/**
 * `rounds` rounds of the server and the bare app at the same load, the one to go first alternating
 * (so the machine's drift within a round falls on both), each round's ratios printed as it ends; then
 * the figures every latency benchmark records: medians over the rounds, ratio spreads, losses.
 */
export async function interleavedLatencyRounds<P extends LatencyPhase>(rounds: number, run: (app: 'server' | 'bare', round: number) => Promise<P>) {
  const done: { server: P; bare: P; p50_ratio: number; p99_ratio: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    let s: P;
    let b: P;
    if (r % 2 === 0) {
      s = await run('server', r);
      b = await run('bare', r);
    } else {
      b = await run('bare', r);
      s = await run('server', r);
    }
    const round = { server: s, bare: b, p50_ratio: latencyRatio(s.p50_ms, b.p50_ms), p99_ratio: latencyRatio(s.p99_ms, b.p99_ms) };
    done.push(round);
    console.log(`round ${r + 1}: server p50 ${s.p50_ms} p99 ${s.p99_ms} lost ${s.lost}; bare p50 ${b.p50_ms} p99 ${b.p99_ms} lost ${b.lost}; ratios ${round.p50_ratio} / ${round.p99_ratio} (load ${s.load1})`);
  }
  const pick = (f: (x: (typeof done)[number]) => number) => done.map(f);
  return {
    lost: done.reduce((n, x) => n + x.server.lost, 0),
    bare_lost: done.reduce((n, x) => n + x.bare.lost, 0),
    p50_ms: median(pick((x) => x.server.p50_ms)),
    p99_ms: median(pick((x) => x.server.p99_ms)),
    bare_p50_ms: median(pick((x) => x.bare.p50_ms)),
    bare_p99_ms: median(pick((x) => x.bare.p99_ms)),
    p50_ratio: median(pick((x) => x.p50_ratio)),
    p50_ratio_spread: spread(pick((x) => x.p50_ratio)),
    p99_ratio: median(pick((x) => x.p99_ratio)),
    p99_ratio_spread: spread(pick((x) => x.p99_ratio)),
    per_round: done,
  };
}

/** What one paced phase of a latency bench measured. */
export interface PacedPhase {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  lost: number;
  statuses: Record<number, number>;
  load1: number;
}

/**
 * Sends `count` requests at `rate`/s (`send(j)` answers the HTTP status; one that fails to connect
 * counts as status 0), then waits up to 15 s for each one's effect to arrive (`arrivedAt(j)`, a
 * performance.now() time, or undefined while it has not): latency = sent → arrived; none is a loss.
 */
export async function pacedLatency(count: number, rate: number, send: (j: number) => Promise<number>, arrivedAt: (j: number) => number | undefined): Promise<PacedPhase> {
  const sentAt: number[] = new Array(count);
  const statuses: Record<number, number> = {};
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  for (let j = 0; j < count; j++) {
    const due = start + (j * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sentAt[j] = performance.now();
    inflight.push(
      send(j)
        .catch(() => 0)
        .then((s) => void (statuses[s] = (statuses[s] ?? 0) + 1)),
    );
  }
  await Promise.all(inflight);
  const arrived = () => {
    let n = 0;
    for (let j = 0; j < count; j++) if (arrivedAt(j) !== undefined) n++;
    return n;
  };
  const deadline = Date.now() + 15_000;
  while (arrived() < count && Date.now() < deadline) await sleep(50);
  const lat: number[] = [];
  let lost = 0;
  for (let j = 0; j < count; j++) {
    const at = arrivedAt(j);
    if (at === undefined) lost++;
    else lat.push(at - sentAt[j]!);
  }
  lat.sort((a, b) => a - b);
  return { p50_ms: percentile(lat, 50), p99_ms: percentile(lat, 99), max_ms: percentile(lat, 100), lost, statuses, load1: Number(loadAverage().toFixed(2)) };
}

/**
 * S1's verdict from a ramp as soak.ts records it (the steps tried, in order) and the rates held. A
 * bare app that held the ramp's last step has a higher limit: the ratio is then at most what it
 * reads, and never a target met (`not shown`).
 */
export function sustainableVerdict(ramp: readonly { rate: number }[], bareRps: number, ratio: number): { bareAtTop: boolean; verdict: 'met' | 'missed' | 'not shown' } {
  const bareAtTop = ramp.length > 0 && bareRps === ramp.at(-1)!.rate;
  return { bareAtTop, verdict: ratio < 0.8 ? 'missed' : bareAtTop ? 'not shown' : 'met' };
}

const ROOT = path.resolve(HERE, '..');
/** git in this checkout. */
export const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();

/**
 * For the A/B scripts (ab-*.ts): the server bundle of revision `rev`, built in a worktree of its own
 * (installed offline from the store), to run beside this checkout's; `remove` takes the worktree away.
 */
export function buildRevision(rev: string): { main: string; commit: string; remove: () => void } {
  const commit = git('rev-parse', '--verify', `${rev}^{commit}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-ab-'));
  git('worktree', 'add', '--detach', dir, commit);
  const remove = () => {
    git('worktree', 'remove', '--force', dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline'], { cwd: dir, stdio: 'ignore' });
    execFileSync(process.execPath, ['apps/server/scripts/build.mjs'], { cwd: dir, stdio: 'ignore' });
  } catch (err) {
    remove();
    throw err;
  }
  return { main: path.join(dir, 'apps/server/dist/main.js'), commit, remove };
}

/**
 * The A/B scripts' settings: the revision to compare with (their one argument), and the rate, the
 * length of a phase and the number of rounds (`BENCH_AB_RATE`, `BENCH_AB_SECONDS`, `BENCH_AB_ROUNDS`).
 */
export function abSettings(script: string, defaults: { rate: number; seconds: number; rounds: number }): { revision: string; rate: number; seconds: number; rounds: number } {
  const revision = process.argv[2];
  if (!revision) throw new Error(`usage: tsx ${script} <git revision to compare with>`);
  return {
    revision,
    rate: Number(process.env.BENCH_AB_RATE ?? defaults.rate),
    seconds: Number(process.env.BENCH_AB_SECONDS ?? defaults.seconds),
    rounds: Number(process.env.BENCH_AB_ROUNDS ?? defaults.rounds),
  };
}

/** `rounds` phases of each build, taking turns ("before" first in even rounds, so a drift within a round falls on both). */
export async function alternatingRounds<P>(rounds: number, run: (which: 'before' | 'after') => Promise<P>): Promise<Record<'before' | 'after', P[]>> {
  const done: Record<'before' | 'after', P[]> = { before: [], after: [] };
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)) done[which].push(await run(which));
  }
  return done;
}

/**
 * Two builds' figures round by round (the A/B scripts alternate them): in how many rounds the second
 * was lower, and the median of the differences (first minus second). The medians of each build's
 * rounds hide what pairing shows: a machine that drifts between rounds moves both sides of a pair.
 */
export function paired(before: number[], after: number[]): { after_lower: number; rounds: number; median_difference_ms: number } {
  const d = before.map((b, i) => b - after[i]!);
  return { after_lower: d.filter((x) => x > 0).length, rounds: d.length, median_difference_ms: median(d) };
}

/** How the A/B scripts print what `paired` found. */
export const pairedLine = (name: string, x: ReturnType<typeof paired>): string => `${name} lower after in ${x.after_lower} of ${x.rounds} rounds (median difference ${x.median_difference_ms} ms)`;

/** N1's requests name their approver: a run of this flow of one step, which asks the org's admin. `migrated` as seed's. */
export async function flowAskingAdmin(storage: { DATABASE_URL?: string; GREENLIGHT_DATA_DIR: string }, orgId: string, migrated = false): Promise<string> {
  const db = await openToSeed(storage, migrated);
  try {
    const { rows } = await db.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'admin'`, [orgId]);
    const flow = await createFlow(db, orgId, { name: 'N1', steps: [{ approvers: { user_ids: [rows[0]!.user_id], team_ids: [] }, quorum: 1 }], on_expiry: 'expire' }, SYSTEM_ACTOR);
    return flow.id;
  } finally {
    await db.close();
  }
}

/**
 * N1's SMTP server, in the bench's process on loopback: notes when each message's DATA ends, by the
 * request title its subject names, so that the create and its email are timed on one clock.
 */
export async function startSmtpArrivals(): Promise<{ url: string; arrivals: Map<string, number>; close(): Promise<void> }> {
  const arrivals = new Map<string, number>();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 8192) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const at = performance.now();
        const title = /^Subject: .*Approval needed: (\S+)/m.exec(head)?.[1];
        if (title && !arrivals.has(title)) arrivals.set(title, at);
        callback();
      });
    },
  });
  smtp.on('error', () => {});
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  return {
    url: `smtp://127.0.0.1:${(smtp.server.address() as { port: number }).port}`,
    arrivals,
    close: () => new Promise<void>((r) => smtp.close(() => r())),
  };
}

/** N1's create: a request titled `title` (its email's subject names it); a run of `flowId` when given (a bare app ignores it). */
export async function createTitled(url: string, key: string, title: string, flowId: string | null): Promise<number> {
  const res = await fetch(`${url}/api/v1/approvals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, description: 'bench', priority: 'low', ...(flowId && { flow_id: flowId }) }),
  });
  await res.arrayBuffer();
  return res.status;
}
