import { connect } from 'node:net';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, startGreenlight } from '../server.ts';
import { openPostgres } from '../storage/postgres.ts';
import type { Database } from '../storage/database.ts';
import { openTestDatabase, seedOrg, startTestServer, testConfig, type SeededOrg, type TestDatabase, type TestServer } from '../testing/harness.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
});
afterAll(() => server.stop());

describe('health', () => {
  it('/healthz answers 200 without credentials', async () => {
    const res = await supertest(server.url).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 with the database and rate-limit store in use', async () => {
    const res = await supertest(server.url).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', database: server.db.kind, rate_limit_store: server.deps.rateLimit.kind });
  });
});

describe('security headers', () => {
  it.each([
    ['an API answer', '/api/v1/me', true],
    ['an API error', '/api/v1/me', false],
    ['a 404', '/nope', false],
    ['the docs', '/docs', false],
    ['the health check', '/healthz', false],
  ])('%s carries helmet headers and no x-powered-by', async (_name, path, withKey) => {
    let req = supertest(server.url).get(path);
    if (withKey) req = req.set('Authorization', `Bearer ${seed.key}`);
    const res = await req;
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('CORS is closed by default', () => {
  it('a cross-origin request gets no Access-Control-* headers', async () => {
    const res = await supertest(server.url).get('/api/v1/me').set('Authorization', `Bearer ${seed.key}`).set('Origin', 'https://evil.example').expect(200);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('a preflight is not granted', async () => {
    const res = await supertest(server.url)
      .options('/api/v1/approvals')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type');
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });
});

/**
 * A server of its own on the shared test database engine, for tests that stop it or break its
 * database. On Postgres it gets its own pool, so closing it leaves the harness able to drop the database.
 */
async function throwawayServer(tdb: TestDatabase) {
  const db: Database = tdb.url ? await openPostgres({ connectionString: tdb.url, max: 4 }) : tdb.db;
  const config = testConfig();
  const running = await startGreenlight(config, { db, logger: createLogger(config) });
  return { db, running };
}

describe('a throwaway server', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
  });
  afterAll(async () => {
    // On PGlite the instance was closed by the /readyz test; closing it again is the only failure allowed.
    await tdb.drop().catch(() => {});
  });

  it('graceful shutdown: in-flight requests complete while new connections are refused', async () => {
    const { db, running } = await throwawayServer(tdb);
    const own = await seedOrg(db);
    const port = new URL(running.url).port;

    // Hold the connections table: authentication of the next request waits on it
    // (a lock on Postgres, the single connection on PGlite).
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = db.transaction(async (tx) => {
      await tx.query('LOCK TABLE connections IN ACCESS EXCLUSIVE MODE');
      locked();
      await new Promise<void>((r) => (release = r));
    });
    await isLocked;

    let finished = false;
    const inFlight = supertest(running.url)
      .get('/api/v1/me')
      .set('Authorization', `Bearer ${own.key}`)
      .then((res) => {
        finished = true;
        return res;
      });
    // Wait until the server holds the request.
    for (let i = 0; i < 100 && (await new Promise<number>((r) => running.server.getConnections((_e, n) => r(n)))) === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(finished).toBe(false);

    let closed = false;
    const closing = running.close().then(() => {
      closed = true;
    });
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(finished).toBe(false);
    expect(closed).toBe(false);

    release();
    await holding;
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.connection.id).toBe(own.connectionId);
    await closing;
    expect(closed).toBe(true);
    if (db !== tdb.db) await db.close();
  });

  it('/readyz answers 503 once the database is closed', async () => {
    const { db, running } = await throwawayServer(tdb);
    try {
      await supertest(running.url).get('/readyz').expect(200);
      await db.close();
      const res = await supertest(running.url).get('/readyz').expect(503);
      expect(res.body).toEqual({ status: 'unavailable' });
      // Liveness is not readiness: the process itself is fine.
      await supertest(running.url).get('/healthz').expect(200);
    } finally {
      await running.close();
    }
  });
});
