/**
 * Two real server processes on one Postgres (and Redis, when the test run has one): a grant given
 * through one is used by creates on the other, its uses counted exactly when both race for it, and a
 * revocation through one stops the very next create on the other — grants are read from the database in
 * each create's transaction, never cached. Postgres only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, openTestDatabase, seedOrg, TEST_DATABASE_URL, TEST_REDIS_URL, type SeededOrg, type TestDatabase, type TestServer } from '../../testing/harness.ts';
import { spawnServer, type SpawnedServer } from '../../testing/spawn-server.ts';
import { sessionFor, type SignedIn } from '../../testing/session.ts';
import { createSession } from '../users/sessions.ts';

describe.skipIf(!TEST_DATABASE_URL)('grants across two server processes', () => {
  let tdb: TestDatabase;
  let dataDir: string;
  let a: SpawnedServer;
  let b: SpawnedServer;
  let seed: SeededOrg;
  let giverOnA: SignedIn;
  beforeAll(async () => {
    tdb = await openTestDatabase();
    seed = await seedOrg(tdb.db);
    dataDir = await mkdtemp(join(tmpdir(), 'greenlight-grants-replicas-'));
    const env = { DATABASE_URL: tdb.url!, GREENLIGHT_DATA_DIR: dataDir, NODE_ENV: 'test', ...(TEST_REDIS_URL && { REDIS_URL: TEST_REDIS_URL }) };
    [a, b] = await Promise.all([spawnServer(env), spawnServer(env)]);
    const giver = await seed.addUser('approver');
    giverOnA = sessionFor({ url: a.url } as TestServer, giver, await createSession(tdb.db, giver.id, seed.org.id));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((p) => p.stop()));
    await tdb?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const body = approvalBody({ action_type: 'deploy.staging', priority: 'medium' });
  const create = (url: string) => supertest(url).post('/api/v1/approvals').set('Authorization', `Bearer ${seed.key}`).send(body);

  async function grant(maxUses: number): Promise<string> {
    const first = (await create(a.url).expect(201)).body;
    await giverOnA.http().patch(`/api/v1/approvals/${first.id}`).send({ decision: 'approve', grant: { max_uses: maxUses } }).expect(200);
    const { rows } = await tdb.db.query<{ id: string }>('SELECT id FROM grants WHERE given_on = $1', [first.id]);
    return rows[0]!.id;
  }

  it('given through A, used by B; revoked through A, the next create on B asks a person', async () => {
    const id = await grant(100);
    expect((await create(b.url).expect(201)).body).toMatchObject({ status: 'approved', decided_by_type: 'grant', decided_by_grant: { id } });
    await giverOnA.http().post(`/api/v1/grants/${id}/revoke`).send({}).expect(200);
    expect((await create(b.url).expect(201)).body).toMatchObject({ status: 'pending', decided_by_type: null });
  });

  it('50 parallel creates split over both processes against 10 uses: exactly 10 approved', async () => {
    const id = await grant(10);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => create(i % 2 === 0 ? a.url : b.url)));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(201));
    expect(answers.filter((r) => r.body.decided_by_grant?.id === id)).toHaveLength(10);
    expect(answers.filter((r) => r.body.status === 'pending')).toHaveLength(40);
    const { rows } = await tdb.db.query<{ uses: number }>('SELECT uses FROM grants WHERE id = $1', [id]);
    expect(rows).toEqual([{ uses: 10 }]);
  }, 60_000);
});
