import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalEvent, z } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const ExactEvent = z.strictObject(ApprovalEvent.shape);

describe('GET /api/v1/approvals/:id/events', () => {
  it('lists created then cancelled, oldest first, with actor and from → to', async () => {
    const seed = await seedOrg(server.db);
    // The 'make' key makes the request and cancels it: only the requester (or an admin) may cancel.
    const canceller = await seed.newKey({ name: 'make' });
    const created = await server.http(canceller.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const cancelled = await server.http(canceller.key).delete(`/api/v1/approvals/${created.body.id}`).expect(200);

    const res = await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}/events`).expect(200);
    expect(res.body).toEqual({
      data: [
        {
          id: expect.stringMatching(/^\d+$/),
          type: 'approval.created',
          approval_id: created.body.id,
          actor: { type: 'connection', id: canceller.connectionId, name: 'make' },
          from_status: null,
          to_status: 'pending',
          data: { title: 'Delete user account #4821', priority: 'high' },
          created_at: created.body.created_at,
        },
        {
          id: expect.stringMatching(/^\d+$/),
          type: 'approval.cancelled',
          approval_id: created.body.id,
          actor: { type: 'connection', id: canceller.connectionId, name: 'make' },
          from_status: 'pending',
          to_status: 'cancelled',
          data: {},
          created_at: cancelled.body.cancelled_at,
        },
      ],
    });
    for (const e of res.body.data) expect(ExactEvent.safeParse(e).success).toBe(true);
    expect(BigInt(res.body.data[1].id)).toBeGreaterThan(BigInt(res.body.data[0].id));
  });

  it('lists only this request’s events', async () => {
    const seed = await seedOrg(server.db);
    const one = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'one' })).expect(201);
    const two = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'two' })).expect(201);
    await server.http(seed.key).delete(`/api/v1/approvals/${two.body.id}`).expect(200);
    const res = await server.http(seed.key).get(`/api/v1/approvals/${one.body.id}/events`).expect(200);
    expect(res.body.data.map((e: { type: string; approval_id: string }) => [e.type, e.approval_id])).toEqual([['approval.created', one.body.id]]);
  });

  it('can be read with approvals:read alone', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const res = await server.http(reader.key).get(`/api/v1/approvals/${created.body.id}/events`).expect(200);
    expect(res.body.data).toHaveLength(1);
  });
});
