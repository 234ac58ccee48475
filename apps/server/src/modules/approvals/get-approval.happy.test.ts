import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalDetail } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('GET /api/v1/approvals/:id', () => {
  it('answers the spec’s documented fields for the spec’s create example', async () => {
    const seed = await seedOrg(server.db);
    const expiresAt = new Date(Date.now() + 24 * 3600_000).toISOString();
    const created = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send({
        title: 'Delete user account #4821',
        description: 'Permanent deletion requested by user via support ticket',
        priority: 'high',
        action_type: 'user.delete',
        callback_url: 'https://your-app.com/webhooks/okrunit',
        callback_headers: { 'X-Custom-Token': 'your-secret' },
        metadata: { user_id: '4821', ticket_id: 'SUP-1234' },
        expires_at: expiresAt,
        required_approvals: 2,
        is_sequential: false,
        source: 'support-bot',
        idempotency_key: 'del-user-4821-20260324',
      })
      .expect(201);

    const res = await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200);
    // The response the v1 API documents for "GET /api/v1/approvals/:id".
    expect(res.body).toMatchObject({
      id: created.body.id,
      title: 'Delete user account #4821',
      description: 'Permanent deletion requested by user via support ticket',
      status: 'pending',
      priority: 'high',
      action_type: 'user.delete',
      source: 'support-bot',
      metadata: { user_id: '4821', ticket_id: 'SUP-1234' },
      required_approvals: 2,
      current_approvals: 0,
      is_sequential: false,
      callback_url: 'https://your-app.com/webhooks/okrunit',
      created_at: created.body.created_at,
      expires_at: expiresAt,
      decided_at: null,
      decided_by: null,
    });
    expect(res.body.comments_count).toBe(0);
  });

  it('answers the full ApprovalDetail shape (the Approval with its run and results), every key and nothing else', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const res = await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(ApprovalDetail.shape).sort());
    expect(res.body).toEqual({ ...created.body, run: null, results: [], viewer_can: expect.any(Object) });
  });

  it('shows the current state: a cancelled request reads as cancelled', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const cancelled = await server.http(seed.key).delete(`/api/v1/approvals/${created.body.id}`).expect(200);
    const res = await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200);
    expect(res.body).toEqual({ ...cancelled.body, run: null, results: [] });
    expect(res.body.status).toBe('cancelled');
  });

  it('can be read by a read-only key and by other connections of the org', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const res = await server.http(reader.key).get(`/api/v1/approvals/${created.body.id}`).expect(200);
    expect(res.body.id).toBe(created.body.id);
  });
});
