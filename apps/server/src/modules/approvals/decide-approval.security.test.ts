import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { revokeConnection } from '../connections/connections.ts';
import { createRequest, snapshot } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('PATCH /api/v1/approvals/:id — security', () => {
  it("org A's key on org B's request → 404, nothing changes (BOLA)", async () => {
    const a = await seedOrg(server.db, 'A');
    const b = await seedOrg(server.db, 'B');
    const created = await createRequest(server, b.key);
    const before = await snapshot(server, created.id);
    for (const decision of ['approve', 'reject']) {
      const res = await server.http(a.key).patch(`/api/v1/approvals/${created.id}`).send({ decision }).expect(404);
      expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'approval request not found' });
    }
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('an approvals:read key cannot decide → 403 INSUFFICIENT_SCOPE', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const before = await snapshot(server, created.id);
    const res = await server.http(reader.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', message: 'this credential lacks the approvals:write scope' });
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('a comments:write key cannot decide either', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const commenter = await seed.newKey({ scopes: ['comments:write', 'approvals:read'] });
    const res = await server.http(commenter.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'reject' }).expect(403);
    expect(res.body.error.code).toBe('INSUFFICIENT_SCOPE');
  });

  it.each([
    ['no Authorization header', undefined],
    ['a malformed key', 'gk_nothex'],
    ['an unknown key', `gk_${'0'.repeat(64)}`],
  ])('%s → 401', async (_name, key) => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const res = await server.http(key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('a revoked key → 401 on the next request', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const approver = await seed.newKey();
    await revokeConnection(server.db, seed.org.id, approver.connectionId);
    const res = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(401);
    expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'invalid or revoked API key' });
  });

  it.each([
    ['status', { status: 'approved' }],
    ['org_id', { org_id: '00000000-0000-4000-8000-000000000000' }],
    ['decided_by', { decided_by: '00000000-0000-4000-8000-000000000000' }],
    ['current_approvals', { current_approvals: 99 }],
    ['required_approvals', { required_approvals: 1 }],
    ['decided_at', { decided_at: '2020-01-01T00:00:00.000Z' }],
  ])('a body carrying %s → 400 and nothing changes (mass assignment)', async (field, extra) => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, { required_approvals: 2 });
    const approver = await seed.newKey();
    const before = await snapshot(server, created.id);
    const res = await server
      .http(approver.key)
      .patch(`/api/v1/approvals/${created.id}`)
      .send({ decision: 'approve', ...extra })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: `unknown field: ${field}` });
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('the response never carries internal columns', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, {
      callback_url: 'https://example.com/hook',
      callback_headers: { 'X-Secret': 'hunter2' },
      idempotency_key: 'sec-1',
    });
    const approver = await seed.newKey();
    const res = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    // Who decided is part of the answer (a person, a connection or a policy), as the contract says.
    expect(res.body.decided_by_type).toBe('connection');
    for (const field of ['callback_headers', 'request_fingerprint', 'search_vector', 'seq', 'emergency_stop', 'expired']) {
      expect(res.body).not.toHaveProperty(field);
    }
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
  });
});
