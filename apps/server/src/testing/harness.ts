/**
 * Test harness: a real Greenlight HTTP server on an ephemeral loopback port, on a real database.
 * - Default: PGlite on its own thread as in production, a copy of the run's migrated template (one per
 *   test file; start-up costs most of a second, so share it across a file).
 * - GREENLIGHT_TEST_DATABASE_URL set: a fresh database on that Postgres per test file (a copy of the run's
 *   migrated one, postgres-template.ts), dropped afterwards.
 * - GREENLIGHT_TEST_REDIS_URL set: the rate limiter runs on that Redis.
 * Tenant isolation comes from a fresh org per test (`seedOrg`), not from a fresh database.
 */
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { SCOPES, type Scope } from '@greenlight/contract';
import { loadConfig, type Config } from '../config.ts';
import { startGreenlight, createLogger, type RunningServer } from '../server.ts';
import type { Database } from '../storage/database.ts';
import { openPgliteThread } from '../storage/pglite-thread.ts';
import { openPostgres } from '../storage/postgres.ts';
import { migrate } from '../storage/migrate.ts';
import { openFromTemplate, TEST_SHARED_BUFFERS } from './pglite-template.ts';
import { onServer, POSTGRES_TEMPLATE_ENV } from './postgres-template.ts';
import { memoryRateLimitStore, redisRateLimitStore, type RateLimitStore } from '../http/rate-limit.ts';
import { addMember, createOrg } from '../modules/orgs/create-org.ts';
import { createConnection } from '../modules/connections/connections.ts';
import { sha256Hex } from '../security/tokens.ts';

export const TEST_DATABASE_URL = process.env.GREENLIGHT_TEST_DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.GREENLIGHT_TEST_REDIS_URL || undefined;

export interface TestDatabase {
  db: Database;
  /** Set on Postgres: a URL other processes can use to reach the same database. */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) {
    // The embedded database as the server runs it, on its own thread, started from the run's
    // migrated cluster when the project made one (pglite-template.ts), else created and migrated here.
    const fromTemplate = await openFromTemplate();
    if (fromTemplate) return { ...fromTemplate, url: undefined };
    const empty = await openEmptyTestDatabase();
    await migrate(empty.db);
    return empty;
  }
  // A copy of the run's migrated database when the project made one (postgres-template.ts), which
  // is not migrated again; else a new database, migrated here.
  const template = process.env[POSTGRES_TEMPLATE_ENV];
  const tdb = await newPostgresDatabase(TEST_DATABASE_URL, template, 30);
  if (!template) await migrate(tdb.db);
  return tdb;
}

/** A database with no schema at all (for the tests of migrations), on the engine the suite runs on. */
export async function openEmptyTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) {
    const db = await openPgliteThread(undefined, { sharedBuffers: TEST_SHARED_BUFFERS });
    return { db, url: undefined, drop: () => db.close() };
  }
  return newPostgresDatabase(TEST_DATABASE_URL, undefined, 2);
}

/** A new database on the test Postgres (a copy of `template` when given), dropped by `drop`. */
async function newPostgresDatabase(serverUrl: string, template: string | undefined, max: number): Promise<TestDatabase> {
  const name = `gl_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openPostgres({ connectionString: url.toString(), max });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      await onServer(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    GREENLIGHT_EXPIRY_SWEEP_MS: '3600000',
    // Tests of reminders, escalation and digests poll their timers faster themselves.
    GREENLIGHT_TIMER_POLL_MS: '3600000',
    // A request that names nobody is told at once; the tests of the grace (notify/) set one.
    GREENLIGHT_NOTIFY_GRACE_MS: '0',
    // Tests that look at the indexes' pending lists merge them themselves, or start a server that does.
    GREENLIGHT_INDEX_UPKEEP_MS: '3600000',
    // Every test calls from 127.0.0.1: the tests of invalid credentials would share one allowance.
    // auth-failures.security.test.ts sets the production default.
    GREENLIGHT_AUTH_FAILURES_PER_IP: '100000000',
    // A fixed key, so tests never write a key file; sealed.security.test.ts covers the generated one.
    GREENLIGHT_SECRET_KEY: TEST_SECRET_KEY,
    // Servers a test starts on a data directory open it as the test databases are opened.
    GREENLIGHT_PGLITE_SHARED_BUFFERS: TEST_SHARED_BUFFERS,
    ...overrides,
  });
}

export interface TestServer extends RunningServer {
  db: Database;
  databaseUrl: string | undefined;
  /** supertest against the real listening server, with the key as Bearer when given. */
  http(key?: string): ReturnType<typeof authed>;
  /**
   * After a test changes a connection in SQL (as an operator or another replica would), resolves once
   * the trigger's NOTIFY has dropped the key from this process's cache: the next request reads the row.
   */
  keyForgotten(key: string): Promise<void>;
  stop(): Promise<void>;
}

function authed(url: string, key?: string) {
  const agent = supertest(url);
  const wrap = (t: supertest.Test) => (key ? t.set('Authorization', `Bearer ${key}`) : t);
  return {
    get: (path: string) => wrap(agent.get(path)),
    post: (path: string) => wrap(agent.post(path)),
    patch: (path: string) => wrap(agent.patch(path)),
    put: (path: string) => wrap(agent.put(path)),
    delete: (path: string) => wrap(agent.delete(path)),
  };
}

export async function startTestServer(options: { config?: Record<string, string>; rateLimit?: RateLimitStore } = {}): Promise<TestServer> {
  const tdb = await openTestDatabase();
  const config = testConfig(options.config);
  // A namespace per test server: the counters are real Redis counters, but one run's sign-ins from
  // 127.0.0.1 do not use up the next run's allowance within the hour.
  const rateLimit =
    options.rateLimit ??
    (TEST_REDIS_URL
      ? await redisRateLimitStore(TEST_REDIS_URL, { namespace: `greenlight-test:${randomBytes(6).toString('hex')}` })
      : memoryRateLimitStore());
  const running = await startGreenlight(config, { db: tdb.db, rateLimit, logger: createLogger(config) });
  return {
    ...running,
    db: tdb.db,
    databaseUrl: tdb.url,
    http: (key?: string) => authed(running.url, key),
    async keyForgotten(key) {
      const hash = sha256Hex(key);
      const deadline = performance.now() + 5_000;
      while (running.deps.apiKeys?.get(hash) !== undefined) {
        if (performance.now() > deadline) throw new Error('the cached key was not dropped within 5 s of the change');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      // Its clients are this process's tests: nothing to wait for on an idle connection.
      await running.close({ idleConnections: 'close' });
      await tdb.drop();
    },
  };
}

let orgCounter = 0;

export interface SeededOrg {
  org: { id: string; slug: string; name: string };
  admin: { id: string; email: string };
  /** An all-scopes API key with a high rate limit, so tests are not throttled by accident. */
  key: string;
  connectionId: string;
  /** Another connection's key (a second principal, for four-eyes). */
  newKey(options?: { scopes?: readonly Scope[]; rateLimit?: number; rateLimitWindow?: 'minute' | 'hour'; name?: string }): Promise<{ key: string; connectionId: string }>;
  addUser(role: 'admin' | 'approver' | 'viewer', email?: string): Promise<{ id: string; email: string }>;
}

export async function seedOrg(db: Database, name = 'Acme'): Promise<SeededOrg> {
  const slug = `org-${process.pid}-${++orgCounter}-${randomBytes(3).toString('hex')}`;
  const { org, user } = await createOrg(db, { slug, name, adminEmail: `admin-${slug}@example.test` });
  const newKey: SeededOrg['newKey'] = async (o = {}) => {
    const { connection, apiKey } = await createConnection(db, {
      orgId: org.id,
      name: o.name ?? `conn-${randomBytes(3).toString('hex')}`,
      scopes: o.scopes ?? SCOPES,
      rateLimit: o.rateLimit ?? 10_000,
      ...(o.rateLimitWindow ? { rateLimitWindow: o.rateLimitWindow } : {}),
    });
    return { key: apiKey, connectionId: connection.id };
  };
  const first = await newKey({ name: 'primary' });
  return {
    org,
    admin: user,
    key: first.key,
    connectionId: first.connectionId,
    newKey,
    addUser: (role, email) => addMember(db, { orgId: org.id, email: email ?? `${role}-${randomBytes(4).toString('hex')}@example.test`, role }),
  };
}

/** A valid create body per the spec; override any field. */
export const approvalBody = (overrides: Record<string, unknown> = {}) => ({
  title: 'Delete user account #4821',
  description: 'Permanent deletion requested by user via support ticket',
  priority: 'high',
  ...overrides,
});
