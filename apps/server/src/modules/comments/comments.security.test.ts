import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { revokeConnection } from '../connections/connections.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function orgWithApproval() {
  const seed = await seedOrg(server.db);
  const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
  return { seed, id };
}

describe('comments — scopes', () => {
  it('a key with only approvals:read cannot comment → 403 INSUFFICIENT_SCOPE', async () => {
    const { seed, id } = await orgWithApproval();
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const res = await server.http(reader.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'hi' }).expect(403);
    expect(res.body.error).toMatchObject({
      code: 'INSUFFICIENT_SCOPE',
      message: 'this credential lacks the comments:write scope',
      details: { required_scope: 'comments:write' },
    });
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM comments WHERE approval_id = $1', [id]);
    expect(rows[0]!.n).toBe(0);
  });

  it('a key with approvals:write but not comments:write cannot comment', async () => {
    const { seed, id } = await orgWithApproval();
    const writer = await seed.newKey({ scopes: ['approvals:read', 'approvals:write'] });
    const res = await server.http(writer.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'hi' }).expect(403);
    expect(res.body.error.code).toBe('INSUFFICIENT_SCOPE');
  });

  it('a key with only comments:write can comment, but cannot read the comments back', async () => {
    const { seed, id } = await orgWithApproval();
    const commenter = await seed.newKey({ scopes: ['comments:write'], name: 'commenter' });
    const res = await server.http(commenter.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'from a narrow key' }).expect(201);
    expect(res.body.author).toEqual({ type: 'connection', id: commenter.connectionId, name: 'commenter' });
    const list = await server.http(commenter.key).get(`/api/v1/approvals/${id}/comments`).expect(403);
    expect(list.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', details: { required_scope: 'approvals:read' } });
  });
});

describe('comments — tenant isolation (OWASP API1)', () => {
  it("another org's key cannot comment on a request → 404, nothing written", async () => {
    const { seed, id } = await orgWithApproval();
    const intruder = await seedOrg(server.db, 'Intruder');
    const res = await server.http(intruder.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'hello from elsewhere' }).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'approval request not found' });
    const own = await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);
    expect(own.body.comments_count).toBe(0);
    const events = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE approval_id = $1 AND type = 'comment.created'`,
      [id],
    );
    expect(events.rows[0]!.n).toBe(0);
  });

  it("another org's key cannot list a request's comments → 404", async () => {
    const { seed, id } = await orgWithApproval();
    await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'private' }).expect(201);
    const intruder = await seedOrg(server.db, 'Intruder');
    const res = await server.http(intruder.key).get(`/api/v1/approvals/${id}/comments`).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'approval request not found' });
    expect(JSON.stringify(res.body)).not.toContain('private');
  });
});

describe('comments — authentication', () => {
  it.each([
    ['no Authorization header', undefined],
    ['a malformed key', 'Bearer gk_not-hex'],
    ['an unknown key', `Bearer gk_${'0'.repeat(64)}`],
  ])('%s → 401 with WWW-Authenticate', async (_name, header) => {
    const { id } = await orgWithApproval();
    const req = server.http().post(`/api/v1/approvals/${id}/comments`);
    if (header) req.set('Authorization', header);
    const res = await req.send({ body: 'hi' }).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="greenlight"/);
  });

  it('a revoked key is refused on the next request', async () => {
    const { seed, id } = await orgWithApproval();
    const k = await seed.newKey({ scopes: ['comments:write', 'approvals:read'] });
    await server.http(k.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'before' }).expect(201);
    await revokeConnection(server.db, seed.org.id, k.connectionId);
    await server.http(k.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'after' }).expect(401);
    await server.http(k.key).get(`/api/v1/approvals/${id}/comments`).expect(401);
  });
});
