/**
 * With Redis, two server processes share one count. Two real
 * `main.ts` processes on one Postgres database and one Redis; requests alternate between them.
 * Runs when GREENLIGHT_TEST_REDIS_URL is set (CI sets it; the server:pglite project clears it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedOrg, type SeededOrg } from '../testing/harness.ts';
import { openPostgres } from '../storage/postgres.ts';
import { migrate } from '../storage/migrate.ts';
import type { Database } from '../storage/database.ts';
import { RATE_LIMIT_WINDOW_SECONDS } from './rate-limit.ts';
import { spawnServer, type SpawnedServer } from '../testing/spawn-server.ts';

const REDIS_URL = process.env.GREENLIGHT_TEST_REDIS_URL || undefined;
const redisAvailable = REDIS_URL !== undefined;
/** Where to create the shared database when no test Postgres is configured (this machine's default). */
const FALLBACK_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

interface Replica extends SpawnedServer {
  dataDir: string;
}

/** Starts `main.ts` as `pnpm start` would, each with its own data directory as on separate hosts. */
async function startReplica(env: Record<string, string>): Promise<Replica> {
  const dataDir = mkdtempSync(join(tmpdir(), 'greenlight-replica-'));
  try {
    const server = await spawnServer({ GREENLIGHT_DATA_DIR: dataDir, GREENLIGHT_EXPIRY_SWEEP_MS: '3600000', ...env });
    return Object.assign(server, { dataDir });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

async function stopReplica(r: Replica) {
  await r.stop();
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

  it('holds a per-minute limit of 5 across both: exactly 5 pass, the 6th is told when to retry, in the header and the body alike', async () => {
    const { key } = await seed.newKey({ rateLimit: 5, rateLimitWindow: 'minute' });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await getMe(replicas[i % 2]!, key));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = answers[5]!;
    const body = (await refused.json()) as { error: { code: string; message: string; details: { retry_after_seconds: number; limit: number } } };
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(body.error).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 5, retry_after_seconds: retryAfter } });
    expect(body.error.message).toMatch(/^rate limit of 5 requests per minute exceeded/);
    // The first request leaves the window a minute after it came: not before, and not an hour away.
    expect(retryAfter).toBeGreaterThanOrEqual(55);
    expect(retryAfter).toBeLessThanOrEqual(61);
    // A burst at once, from both, still finds no slot.
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => getMe(replicas[i % 2]!, key).then((r) => r.status)));
    expect(burst.every((s) => s === 429)).toBe(true);
  });

  it('stays exact when both processes are hit at once', async () => {
    await clearOfWindowEnd();
    const { key } = await seed.newKey({ rateLimit: 10 });
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => getMe(replicas[i % 2]!, key).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });
});
