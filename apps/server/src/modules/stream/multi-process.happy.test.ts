/**
 * Two real server processes on one Postgres: a long poll and an event stream held by one process
 * answer a decision made through the other, and an API key a process has cached stops working there
 * when another process revokes it, each told by NOTIFY across processes. Each has a safety net that
 * would tell it later anyway (a recheck every WAIT_RECHECK_MS / STREAM_RECHECK_MS, a cache entry's
 * 10-second life), so each answer must come well before that net could have caught it. Postgres only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, openTestDatabase, seedOrg, TEST_DATABASE_URL, type SeededOrg, type TestDatabase } from '../../testing/harness.ts';
import { spawnServer, type SpawnedServer } from '../../testing/spawn-server.ts';
import { openSse, type SseStream } from './sse-client.ts';
import { revokeConnection } from '../connections/connections.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import { WAIT_RECHECK_MS } from './wait-for-approval.ts';
import { STREAM_RECHECK_MS } from './stream-events.ts';

/** Sooner than any safety net (5 s rechecks, 10 s cache entries): only a notification explains it. */
const TOLD_BY_NOTIFY_MS = Math.min(WAIT_RECHECK_MS, STREAM_RECHECK_MS) / 2;

describe.skipIf(!TEST_DATABASE_URL)('two server processes on one Postgres', () => {
  let tdb: TestDatabase;
  let dataDir: string;
  let a: SpawnedServer;
  let b: SpawnedServer;
  let seed: SeededOrg;
  const streams: SseStream[] = [];
  beforeAll(async () => {
    tdb = await openTestDatabase();
    seed = await seedOrg(tdb.db);
    dataDir = await mkdtemp(join(tmpdir(), 'greenlight-multi-process-'));
    const env = { DATABASE_URL: tdb.url!, GREENLIGHT_DATA_DIR: dataDir, NODE_ENV: 'test' };
    [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
  }, 60_000);
  afterAll(async () => {
    streams.forEach((s) => s.close());
    await Promise.all([a, b].filter(Boolean).map((p) => p.stop()));
    await tdb.drop();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const http = (url: string, key: string) => ({
    get: (path: string) => supertest(url).get(path).set('Authorization', `Bearer ${key}`),
    post: (path: string) => supertest(url).post(path).set('Authorization', `Bearer ${key}`),
    patch: (path: string) => supertest(url).patch(path).set('Authorization', `Bearer ${key}`),
  });

  it('a long poll on process A answers a decision made through process B at once', async () => {
    const approver = await seed.newKey();
    const created = (await http(b.url, seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    const waiting = http(a.url, seed.key)
      .get(`/api/v1/approvals/${created.id}/wait?timeout=20`)
      .then((res) => ({ res, at: performance.now() }));
    await new Promise((r) => setTimeout(r, 500));

    await http(b.url, approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'reject', comment: 'no' }).expect(200);
    const decidedAt = performance.now();
    const { res, at } = await waiting;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.id, status: 'rejected', timed_out: false, decision_comment: 'no' });
    expect(at - decidedAt).toBeLessThan(TOLD_BY_NOTIFY_MS);
  });

  it('an event stream on process A delivers a decision made through process B at once', async () => {
    const approver = await seed.newKey();
    const s = await openSse(`${a.url}/api/v1/events`, { key: seed.key });
    streams.push(s);
    const created = (await http(b.url, seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await s.waitFor(1);
    await http(b.url, approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    const decidedAt = performance.now();
    const [, approved] = await s.waitFor(2);
    expect(approved).toMatchObject({ event: 'approval.approved' });
    expect(JSON.parse(approved!.data).data.approval_id).toBe(created.id);
    expect(approved!.at - decidedAt).toBeLessThan(TOLD_BY_NOTIFY_MS);
  });

  /** Polls until `ok` holds, at most `ms`; returns how long it took. */
  async function within(ms: number, ok: () => Promise<boolean>): Promise<number> {
    const t0 = performance.now();
    while (!(await ok())) {
      if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return performance.now() - t0;
  }

  it('a key cached by both processes is refused by both as soon as it is revoked elsewhere', async () => {
    const { key, connectionId } = await seed.newKey();
    // Used (and so cached) on both processes.
    await http(a.url, key).get('/api/v1/me').expect(200);
    await http(b.url, key).get('/api/v1/me').expect(200);
    // Revoked by a third party (this test process, its own connection to the database).
    await revokeConnection(tdb.db, seed.org.id, connectionId);
    for (const p of [a, b]) {
      await within(TOLD_BY_NOTIFY_MS, async () => (await http(p.url, key).get('/api/v1/me')).status === 401);
    }
  });

  it('lifting the emergency stop elsewhere lets a process with the key cached create again at once', async () => {
    const { key } = await seed.newKey();
    await http(a.url, key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await setEmergencyStop(tdb.db, seed.org.id, true);
    await within(TOLD_BY_NOTIFY_MS, async () => (await http(a.url, key).post('/api/v1/approvals').send(approvalBody())).status === 503);
    await setEmergencyStop(tdb.db, seed.org.id, false);
    await within(TOLD_BY_NOTIFY_MS, async () => (await http(a.url, key).post('/api/v1/approvals').send(approvalBody())).status === 201);
  });
});
