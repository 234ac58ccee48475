import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { revokeConnection } from '../connections/connections.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const statusOf = async (id: string) =>
  (await server.db.query<{ status: string; events: number }>(
    'SELECT status, (SELECT count(*)::int FROM events e WHERE e.approval_id = a.id) AS events FROM approvals a WHERE id = $1',
    [id],
  )).rows[0]!;

describe('DELETE /api/v1/approvals/:id — security', () => {
  it('answers 404 for another org’s request and leaves it pending', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const created = await server.http(a.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const res = await server.http(b.key).delete(`/api/v1/approvals/${created.body.id}`).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'approval request not found' });
    expect(await statusOf(created.body.id)).toEqual({ status: 'pending', events: 1 });
  });

  it.each([
    ['approvals:read only', ['approvals:read'] as const],
    ['comments:write only', ['comments:write'] as const],
  ])('a key with %s cannot cancel (403 INSUFFICIENT_SCOPE)', async (_name, scopes) => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const { key } = await seed.newKey({ scopes });
    const res = await server.http(key).delete(`/api/v1/approvals/${created.body.id}`).expect(403);
    expect(res.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', details: { required_scope: 'approvals:write' } });
    expect(await statusOf(created.body.id)).toEqual({ status: 'pending', events: 1 });
  });

  it('refuses a missing or revoked key with 401', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await server.http().delete(`/api/v1/approvals/${created.body.id}`).expect(401);
    const { key, connectionId } = await seed.newKey();
    await revokeConnection(server.db, seed.org.id, connectionId);
    await server.http(key).delete(`/api/v1/approvals/${created.body.id}`).expect(401);
    expect(await statusOf(created.body.id)).toEqual({ status: 'pending', events: 1 });
  });
});
