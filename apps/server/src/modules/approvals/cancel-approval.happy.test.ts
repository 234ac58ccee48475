import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Approval } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('DELETE /api/v1/approvals/:id', () => {
  it('cancels a pending request: the spec’s {id, status, cancelled_at} within the full Approval', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ expires_at: '2099-01-01T00:00:00.000Z' })).expect(201);
    const res = await server.http(seed.key).delete(`/api/v1/approvals/${created.body.id}`).expect(200);

    expect(res.body).toMatchObject({ id: created.body.id, status: 'cancelled', cancelled_at: expect.stringMatching(/Z$/) });
    expect(Object.keys(res.body).sort()).toEqual(Object.keys(Approval.shape).sort());
    expect(res.body.updated_at).toBe(res.body.cancelled_at);
    expect(Date.parse(res.body.cancelled_at)).toBeGreaterThanOrEqual(Date.parse(created.body.created_at));
    // Everything else is as it was (the create answer also carries the run and results, as GET does).
    // What the caller may do changed with it (viewer_can: nothing but comment now).
    expect(res.body.viewer_can).toMatchObject({ decide: { allowed: false, reason: 'Already cancelled' }, cancel: { allowed: false }, comment: { allowed: true } });
    const { status: _s, cancelled_at: _c, updated_at: _u, viewer_can: _v, ...rest } = res.body;
    const { status: _s2, cancelled_at: _c2, updated_at: _u2, viewer_can: _v2, run: _r, results: _rs, ...before } = created.body;
    expect(rest).toEqual(before);

    const got = await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200);
    expect(got.body).toEqual({ ...res.body, run: null, results: [] });
  });

  it('appends approval.cancelled (pending → cancelled) by the canceller, in the same transaction', async () => {
    const seed = await seedOrg(server.db);
    const other = await seed.newKey({ name: 'n8n' });
    // Only the requester (or an admin) may cancel: the n8n key cancels the request it made.
    const created = await server.http(other.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const res = await server.http(other.key).delete(`/api/v1/approvals/${created.body.id}`).expect(200);
    const { rows } = await server.db.query<{ type: string; actor_type: string; actor_id: string; actor_name: string; from_status: string; to_status: string; created_at: Date }>(
      'SELECT type, actor_type, actor_id, actor_name, from_status, to_status, created_at FROM events WHERE approval_id = $1 ORDER BY id',
      [created.body.id],
    );
    expect(rows.map((r) => r.type)).toEqual(['approval.created', 'approval.cancelled']);
    expect(rows[1]).toMatchObject({ actor_type: 'connection', actor_id: other.connectionId, actor_name: 'n8n', from_status: 'pending', to_status: 'cancelled' });
    expect(rows[1]!.created_at.toISOString()).toBe(res.body.cancelled_at);
  });

  it('cancels a request that has no expiry', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const res = await server.http(seed.key).delete(`/api/v1/approvals/${created.body.id}`).expect(200);
    expect(res.body).toMatchObject({ status: 'cancelled', expires_at: null });
  });

  it('exactly one of several parallel cancels succeeds', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const results = await Promise.all(Array.from({ length: 10 }, () => server.http(seed.key).delete(`/api/v1/approvals/${created.body.id}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.code === 'INVALID_STATUS')).toHaveLength(9);
    const { rows } = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE approval_id = $1 AND type = 'approval.cancelled'`,
      [created.body.id],
    );
    expect(rows[0]!.n).toBe(1);
  });
});
