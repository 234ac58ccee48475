/**
 * SECURITY.md 23, issue 2: "with Redis, two server processes share one count". Two real
 * `main.ts` processes on one Postgres database and one Redis; requests alternate between them.
 * Runs when GREENLIGHT_TEST_REDIS_URL is set (CI sets it; the server:pglite project clears it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedOrg, type SeededOrg } from '../testing/harness.ts';
import { openPostgres } from '../storage/postgres.ts';
import { migrate } from '../storage/migrate.ts';
import type { Database } from '../storage/database.ts';
import { RATE_LIMIT_WINDOW_SECONDS } from './rate-limit.ts';

const REDIS_URL = process.env.GREENLIGHT_TEST_REDIS_URL || undefined;
const redisAvailable = REDIS_URL !== undefined;
/** Where to create the shared database when no test Postgres is configured (this machine's default). */
const FALLBACK_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

const SERVER_DIR = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

interface Replica {
  url: string;
  child: ChildProcess;
  dataDir: string;
  output(): string;
}

/** Starts `node --import tsx src/main.ts` as `pnpm start` would, and waits until /readyz answers 200. */
async function startReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  // Each replica its own data directory, as on separate hosts; nothing of it is used on Postgres.
  const dataDir = mkdtempSync(join(tmpdir(), 'greenlight-replica-'));
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(PORT|HOST|DATABASE_URL|REDIS_URL|GREENLIGHT_|LOG_LEVEL|NODE_OPTIONS)/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: SERVER_DIR,
    env: {
      ...inherited,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      GREENLIGHT_DATA_DIR: dataDir,
      GREENLIGHT_EXPIRY_SWEEP_MS: '3600000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 45_000;
  const fail = (why: string) => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    return new Error(`${why}:\n${out}`);
  };
  for (;;) {
    if (child.exitCode !== null) throw fail(`server exited with ${child.exitCode} before it was ready`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { url, child, dataDir, output: () => out };
    if (Date.now() > until) throw fail('server not ready after 45 s');
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function stopReplica(r: Replica) {
  if (r.child.exitCode === null && r.child.signalCode === null) {
    const exited = new Promise((resolve) => r.child.once('exit', resolve));
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(r.dataDir, { recursive: true, force: true });
}

/** A fresh Postgres database both processes can reach: the harness's, or one made on the local server. */
async function sharedDatabase(): Promise<{ db: Database; url: string; drop(): Promise<void> }> {
  const harnessDb = await openTestDatabase();
  if (harnessDb.url) return { db: harnessDb.db, url: harnessDb.url, drop: () => harnessDb.drop() };
  await harnessDb.drop();
  const name = `gl_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: FALLBACK_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(FALLBACK_ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres({ connectionString: url.toString() });
  await migrate(db);
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: FALLBACK_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

async function clearOfWindowEnd(seconds = 20) {
  const left = RATE_LIMIT_WINDOW_SECONDS - ((Date.now() / 1000) % RATE_LIMIT_WINDOW_SECONDS);
  if (left < seconds) await new Promise((r) => setTimeout(r, left * 1000 + 1_000));
}

const getMe = (replica: Replica, key: string) => fetch(`${replica.url}/api/v1/me`, { headers: { Authorization: `Bearer ${key}` } });

describe.runIf(redisAvailable)('rate limits across two server processes on one Redis', { timeout: 90_000 }, () => {
  let database: Awaited<ReturnType<typeof sharedDatabase>> | undefined;
  let replicas: Replica[] = [];
  let seed: SeededOrg;

  beforeAll(async () => {
    database = await sharedDatabase();
    seed = await seedOrg(database.db);
    const env = { DATABASE_URL: database.url, REDIS_URL: REDIS_URL! };
    const started = await Promise.allSettled([startReplica(env), startReplica(env)]);
    replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map(stopReplica));
    await database?.drop();
  }, 60_000);

  it('both report the Redis store', async () => {
    for (const r of replicas) {
      expect(await (await fetch(`${r.url}/readyz`)).json()).toEqual({ status: 'ready', database: 'postgres', rate_limit_store: 'redis' });
    }
  });

  it('counts requests to either process against one window: exactly 10 of a limit of 10 pass', async () => {
    await clearOfWindowEnd();
    const { key } = await seed.newKey({ rateLimit: 10 });
    const answers = [];
    for (let i = 0; i < 16; i++) {
      const res = await getMe(replicas[i % 2]!, key);
      answers.push({
        status: res.status,
        remaining: res.headers.get('x-ratelimit-remaining'),
        reset: res.headers.get('x-ratelimit-reset'),
        retryAfter: res.headers.get('retry-after'),
      });
    }
    expect(answers.map((a) => a.status)).toEqual([...Array(10).fill(200), ...Array(6).fill(429)]);
    // One Remaining counting down across the two processes, not two counts of 10.
    expect(answers.map((a) => a.remaining)).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1', '0', ...Array(6).fill('0')]);
    expect(new Set(answers.map((a) => a.reset)).size).toBe(1);
    for (const a of answers.slice(10)) expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('stays exact when both processes are hit at once', async () => {
    await clearOfWindowEnd();
    const { key } = await seed.newKey({ rateLimit: 10 });
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => getMe(replicas[i % 2]!, key).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });
});
