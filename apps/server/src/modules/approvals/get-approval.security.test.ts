import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { revokeConnection } from '../connections/connections.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('GET /api/v1/approvals/:id — security', () => {
  it('answers 404 for another org’s request, exactly as for an unknown id', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const created = await server.http(a.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const cross = await server.http(b.key).get(`/api/v1/approvals/${created.body.id}`).expect(404);
    const unknown = await server.http(b.key).get('/api/v1/approvals/6f1c2b0e-8a4d-4c3e-9b7a-1d2e3f4a5b6c').expect(404);
    expect(cross.body.error.code).toBe('NOT_FOUND');
    expect(cross.body.error.message).toBe(unknown.body.error.message);
  });

  it('needs approvals:read (403 INSUFFICIENT_SCOPE)', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const { key } = await seed.newKey({ scopes: ['comments:write'] });
    const res = await server.http(key).get(`/api/v1/approvals/${created.body.id}`).expect(403);
    expect(res.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', details: { required_scope: 'approvals:read' } });
  });

  it('refuses a missing or revoked key with 401', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await server.http().get(`/api/v1/approvals/${created.body.id}`).expect(401);
    const { key, connectionId } = await seed.newKey();
    await revokeConnection(server.db, seed.org.id, connectionId);
    await server.http(key).get(`/api/v1/approvals/${created.body.id}`).expect(401);
  });
});
