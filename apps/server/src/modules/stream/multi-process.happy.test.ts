/**
 * Two real server processes on one Postgres: a long poll and an event stream held by one process
 * answer within 100 ms of a decision made through the other (NOTIFY crosses processes), and an API
 * key a process has cached stops working there as soon as another process revokes it. Postgres only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, openTestDatabase, seedOrg, TEST_DATABASE_URL, type SeededOrg, type TestDatabase } from '../../testing/harness.ts';
import { openSse, type SseStream } from './sse-client.ts';
import { revokeConnection } from '../connections/connections.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

/** Starts `npx tsx apps/server/src/main.ts` and resolves with its URL once it logs that it listens. */
async function startProcess(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gl-proc-'));
  const child = spawn('npx', ['tsx', 'apps/server/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', GREENLIGHT_DATA_DIR: dataDir, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 45_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (const line of out.split('\n')) {
        if (!line.includes('Greenlight is listening')) continue;
        clearTimeout(timer);
        resolve({ url: (JSON.parse(line) as { url: string }).url, child });
        return;
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

describe.skipIf(!TEST_DATABASE_URL)('two server processes on one Postgres', () => {
  let tdb: TestDatabase;
  let a: { url: string; child: ChildProcess };
  let b: { url: string; child: ChildProcess };
  let seed: SeededOrg;
  const streams: SseStream[] = [];
  beforeAll(async () => {
    tdb = await openTestDatabase();
    seed = await seedOrg(tdb.db);
    [a, b] = await Promise.all([startProcess(tdb.url!), startProcess(tdb.url!)]);
  }, 60_000);
  afterAll(async () => {
    streams.forEach((s) => s.close());
    await Promise.all(
      [a, b].filter(Boolean).map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await tdb.drop();
  }, 60_000);

  const http = (url: string, key: string) => ({
    get: (path: string) => supertest(url).get(path).set('Authorization', `Bearer ${key}`),
    post: (path: string) => supertest(url).post(path).set('Authorization', `Bearer ${key}`),
    patch: (path: string) => supertest(url).patch(path).set('Authorization', `Bearer ${key}`),
  });

  it('a long poll on process A answers within 100 ms of a decision made through process B', async () => {
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
    expect(at - decidedAt).toBeLessThan(100);
  });

  it('an event stream on process A delivers a decision made through process B within 100 ms', async () => {
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
    expect(approved!.at - decidedAt).toBeLessThan(100);
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

  it('a key cached by both processes is refused by both within 100 ms of its revocation elsewhere', async () => {
    const { key, connectionId } = await seed.newKey();
    // Used (and so cached) on both processes.
    await http(a.url, key).get('/api/v1/me').expect(200);
    await http(b.url, key).get('/api/v1/me').expect(200);
    // Revoked by a third party (this test process, its own connection to the database).
    await revokeConnection(tdb.db, seed.org.id, connectionId);
    for (const p of [a, b]) {
      await within(100, async () => (await http(p.url, key).get('/api/v1/me')).status === 401);
    }
  });

  it('lifting the emergency stop elsewhere lets a process with the key cached create again within 100 ms', async () => {
    const { key } = await seed.newKey();
    await http(a.url, key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await setEmergencyStop(tdb.db, seed.org.id, true);
    await within(100, async () => (await http(a.url, key).post('/api/v1/approvals').send(approvalBody())).status === 503);
    await setEmergencyStop(tdb.db, seed.org.id, false);
    await within(100, async () => (await http(a.url, key).post('/api/v1/approvals').send(approvalBody())).status === 201);
  });
});
