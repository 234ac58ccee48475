import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { revokeConnection } from '../connections/connections.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const countRows = async (orgId: string) =>
  (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM approvals WHERE org_id = $1', [orgId])).rows[0]!.n;

const SECRET = 'super-secret-callback-token';

describe('POST /api/v1/approvals — authentication and scopes', () => {
  it.each([
    ['approvals:read only', ['approvals:read'] as const],
    ['comments:write only', ['comments:write'] as const],
    ['read and comment', ['approvals:read', 'comments:write'] as const],
  ])('a key with %s cannot create (403 INSUFFICIENT_SCOPE)', async (_name, scopes) => {
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ scopes });
    const res = await server.http(key).post('/api/v1/approvals').send(approvalBody()).expect(403);
    expect(res.body.error).toMatchObject({
      code: 'INSUFFICIENT_SCOPE',
      message: 'this credential lacks the approvals:write scope',
      details: { required_scope: 'approvals:write' },
    });
    expect(await countRows(seed.org.id)).toBe(0);
  });

  it('refuses a missing, malformed or revoked key with 401', async () => {
    const seed = await seedOrg(server.db);
    await server.http().post('/api/v1/approvals').send(approvalBody()).expect(401);
    await server.http('gk_nothex').post('/api/v1/approvals').send(approvalBody()).expect(401);
    const { key, connectionId } = await seed.newKey();
    await revokeConnection(server.db, seed.org.id, connectionId);
    const res = await server.http(key).post('/api/v1/approvals').send(approvalBody()).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(await countRows(seed.org.id)).toBe(0);
  });
});

describe('POST /api/v1/approvals — what a requester can set and see', () => {
  it.each([
    ['status', 'approved'],
    ['org_id', '00000000-0000-4000-8000-000000000000'],
    ['connection_id', '00000000-0000-4000-8000-000000000000'],
    ['requested_by', { type: 'user', id: null, name: 'boss' }],
    ['current_approvals', 5],
    ['decided_by', '00000000-0000-4000-8000-000000000000'],
    ['request_fingerprint', 'x'],
  ])('cannot set %s', async (field, value) => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ [field]: value })).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: `unknown field: ${field}` });
    expect(await countRows(seed.org.id)).toBe(0);
  });

  it('never answers with callback_headers or request_fingerprint (create, replay, get, list, cancel)', async () => {
    const seed = await seedOrg(server.db);
    const http = server.http(seed.key);
    const body = approvalBody({ idempotency_key: 'k', callback_url: 'https://your-app.com/hook', callback_headers: { 'X-Custom-Token': SECRET } });
    const created = await http.post('/api/v1/approvals').send(body).expect(201);
    const responses = [
      created,
      await http.post('/api/v1/approvals').send(body).expect(200),
      await http.get(`/api/v1/approvals/${created.body.id}`).expect(200),
      await http.get('/api/v1/approvals').expect(200),
      await http.get(`/api/v1/approvals/${created.body.id}/events`).expect(200),
      await http.delete(`/api/v1/approvals/${created.body.id}`).expect(200),
    ];
    for (const res of responses) {
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toContain('callback_headers');
      expect(res.text).not.toContain('request_fingerprint');
      expect(res.text).not.toContain('search_vector');
    }
  });

  it('replays only within the org: another org reusing a key gets its own request, not the first org’s', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const mine = await server.http(a.key).post('/api/v1/approvals').send(approvalBody({ idempotency_key: 'guessable', title: 'A private' })).expect(201);
    // Same key, different body: in org A this would be IDEMPOTENCY_KEY_REUSED; in org B it must not even be noticed.
    const theirs = await server.http(b.key).post('/api/v1/approvals').send(approvalBody({ idempotency_key: 'guessable', title: 'B' })).expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.title).toBe('B');
    expect(JSON.stringify(theirs.body)).not.toContain(a.org.id);
  });

  it('does not reveal another org’s external_ids', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    await server.http(a.key).post('/api/v1/approvals').send(approvalBody({ external_id: 'INV-1' })).expect(201);
    await server.http(b.key).post('/api/v1/approvals').send(approvalBody({ external_id: 'INV-1' })).expect(201);
  });

  it('stores SQL-looking input literally', async () => {
    const seed = await seedOrg(server.db);
    const evil = `'); DROP TABLE approvals; --`;
    const res = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ title: evil, external_id: evil, idempotency_key: evil, tags: { q: evil }, metadata: { [evil]: evil } }))
      .expect(201);
    expect(res.body).toMatchObject({ title: evil, external_id: evil, idempotency_key: evil, tags: { q: evil }, metadata: { [evil]: evil } });
    expect(await countRows(seed.org.id)).toBe(1);
  });
});
