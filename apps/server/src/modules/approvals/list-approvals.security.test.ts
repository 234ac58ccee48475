import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { revokeConnection } from '../connections/connections.ts';
import { listWithBound } from '../../testing/list-approvals.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const ids = (body: { data: { id: string }[] }) => body.data.map((d) => d.id);

describe('GET /api/v1/approvals — tenant isolation', () => {
  it('lists only the caller’s org, whatever the filters', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const fields = { external_id: 'SAME-1', action_type: 'user.delete', source: 'bot', tags: { env: 'prod' }, title: 'Deploy production' };
    const mine = await server.http(a.key).post('/api/v1/approvals').send(approvalBody(fields)).expect(201);
    await server.http(b.key).post('/api/v1/approvals').send(approvalBody(fields)).expect(201);

    for (const q of ['', 'external_id=SAME-1', 'action_type=user.delete', 'source=bot', 'tags=env:prod', 'search=deploy', 'status=pending', 'sort=created_at']) {
      const res = await server.http(a.key).get(`/api/v1/approvals?${q}`).expect(200);
      expect(ids(res.body), q).toEqual([mine.body.id]);
      expect(res.body.pagination.total, q).toBe(1);
    }
  });

  it('lists only the caller’s org whichever way the page is read, and estimates only its rows', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const fields = { title: 'Deploy production', tags: { env: 'prod' }, source: 'bot' };
    const mine: string[] = [];
    for (let i = 0; i < 2; i++) mine.unshift((await server.http(a.key).post('/api/v1/approvals').send(approvalBody(fields)).expect(201)).body.id);
    for (let i = 0; i < 6; i++) await server.http(b.key).post('/api/v1/approvals').send(approvalBody(fields)).expect(201);
    // Statistics that know both orgs' requests: an estimate that counted b's would show here.
    await server.db.query('ANALYZE approvals');
    for (const q of ['', 'source=bot', 'status=pending']) {
      // Bound 0: a's list walks the index past b's rows; bound 1000: a's matches are taken first.
      for (const bound of [0, 1000]) {
        const body = await listWithBound(server, a, bound, q);
        expect(ids(body), `${q} bound ${bound}`).toEqual(mine);
        expect(body.pagination, `${q} bound ${bound}`).toMatchObject({ total: 2, total_exact: true });
      }
      // A cursor page knows nothing of the rows before it: its total is the estimate, a's two, not eight.
      const first = await listWithBound(server, a, 0, `${q}&page_size=1`);
      const second = await listWithBound(server, a, 0, `${q}&page_size=1&page_token=${first.next_page_token}`);
      expect(ids(second), q).toEqual([mine[1]]);
      expect(second.pagination, q).toMatchObject({ total: 2, total_exact: false });
    }
  });

  it('a page token from one org shows nothing of that org in another', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    for (let i = 0; i < 3; i++) await server.http(a.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const bOwn = await server.http(b.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const tokenOfA = (await server.http(a.key).get('/api/v1/approvals?page_size=1').expect(200)).body.next_page_token;
    const res = await server.http(b.key).get(`/api/v1/approvals?page_size=1&page_token=${tokenOfA}`).expect(200);
    expect(ids(res.body).every((id) => id === bOwn.body.id)).toBe(true);
    expect(res.body.pagination.total).toBe(1);
  });

  it('treats SQL in every filter as data', async () => {
    const seed = await seedOrg(server.db);
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const evil = encodeURIComponent(`x' OR '1'='1`);
    for (const q of [`search=${evil}`, `external_id=${evil}`, `action_type=${evil}`, `source=${evil}`, `tags=k:${evil}`, `tags=${evil}:v`]) {
      const res = await server.http(seed.key).get(`/api/v1/approvals?${q}`).expect(200);
      expect(res.body.pagination.total, q).toBe(0);
    }
  });
});

describe('GET /api/v1/approvals — credentials', () => {
  it('needs approvals:read (403 INSUFFICIENT_SCOPE)', async () => {
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ scopes: ['approvals:write', 'comments:write'] });
    const res = await server.http(key).get('/api/v1/approvals').expect(403);
    expect(res.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', message: 'this credential lacks the approvals:read scope' });
  });

  it('works with approvals:read alone', async () => {
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ scopes: ['approvals:read'] });
    await server.http(key).get('/api/v1/approvals').expect(200);
  });

  it('refuses a missing, malformed or revoked key, and a key in the query string, with 401', async () => {
    const seed = await seedOrg(server.db);
    await server.http().get('/api/v1/approvals').expect(401);
    await server.http('not-a-key').get('/api/v1/approvals').expect(401);
    await server.http().get(`/api/v1/approvals?api_key=${seed.key}`).expect(401);
    const { key, connectionId } = await seed.newKey();
    await revokeConnection(server.db, seed.org.id, connectionId);
    const res = await server.http(key).get('/api/v1/approvals').expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});
