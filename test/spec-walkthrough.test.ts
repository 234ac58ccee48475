/**
 * The OKRunit v1 API document, walked through in order against a real Greenlight server:
 * each request example is sent as written (only ids and the future timestamp are filled in),
 * and each documented response is checked field by field. An existing client of that API
 * sees exactly what the document promises.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '@greenlight/server/testing';

let server: harness.TestServer;
let requester: string;
let approverA: string;
let approverB: string;
let seed: harness.SeededOrg;

beforeAll(async () => {
  server = await harness.startTestServer();
  seed = await harness.seedOrg(server.db, 'Spec Org');
  requester = seed.key;
  approverA = (await seed.newKey({ name: 'approver-a' })).key;
  approverB = (await seed.newKey({ name: 'approver-b' })).key;
});
afterAll(() => server?.stop());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('the v1 API document, example by example', () => {
  const expiresAt = new Date(Date.now() + 24 * 3600_000).toISOString();
  const createExample = () => ({
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
  });
  let id = '';

  it('POST /api/v1/approvals → 201 with the documented fields', async () => {
    const res = await server.http(requester).post('/api/v1/approvals').send(createExample()).expect(201);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toMatchObject({
      org_id: seed.org.id,
      connection_id: seed.connectionId,
      title: 'Delete user account #4821',
      description: 'Permanent deletion requested by user via support ticket',
      status: 'pending',
      priority: 'high',
      action_type: 'user.delete',
      source: 'support-bot',
      required_approvals: 2,
      current_approvals: 0,
      is_sequential: false,
      expires_at: expiresAt,
    });
    expect(res.body.id).toMatch(UUID);
    expect(res.body.created_at).toMatch(ISO);
    expect(res.body).not.toHaveProperty('callback_headers');
    id = res.body.id;
  });

  it('the same request again with its idempotency key → the existing request, 200', async () => {
    const res = await server.http(requester).post('/api/v1/approvals').send(createExample()).expect(200);
    expect(res.body.id).toBe(id);
  });

  it('GET /api/v1/approvals → {data, pagination}', async () => {
    const res = await server.http(requester).get('/api/v1/approvals').expect(200);
    // The spec's four fields, plus ours (additive): whether the total was counted or estimated.
    expect(res.body.pagination).toEqual({ page: 1, page_size: 20, total: 1, total_pages: 1, total_exact: true });
    expect(res.body.data[0]).toMatchObject({ id, title: 'Delete user account #4821', status: 'pending', priority: 'high' });
    expect(res.body.data[0].created_at).toMatch(ISO);
  });

  it('the documented filter examples work', async () => {
    await server.http(requester).post('/api/v1/approvals').send({ title: 'Deploy v2.4.0', description: 'Production release', priority: 'high' }).expect(201);
    const pendingHigh = await server.http(requester).get('/api/v1/approvals?status=pending&priority=high').expect(200);
    expect(pendingHigh.body.data).toHaveLength(2);
    const search = await server.http(requester).get('/api/v1/approvals?search=deploy+production').expect(200);
    expect(search.body.data.map((a: { title: string }) => a.title)).toEqual(['Deploy v2.4.0']);
    const paged = await server.http(requester).get('/api/v1/approvals?page=2&page_size=50').expect(200);
    expect(paged.body).toMatchObject({ data: [], pagination: { page: 2, page_size: 50, total: 2, total_pages: 1 } });
  });

  it('GET /api/v1/approvals/:id → the full request with its tally', async () => {
    const res = await server.http(requester).get(`/api/v1/approvals/${id}`).expect(200);
    expect(res.body).toMatchObject({
      id,
      title: 'Delete user account #4821',
      status: 'pending',
      metadata: { user_id: '4821', ticket_id: 'SUP-1234' },
      required_approvals: 2,
      current_approvals: 0,
      callback_url: 'https://your-app.com/webhooks/okrunit',
      decided_at: null,
      decided_by: null,
    });
  });

  it('POST /api/v1/approvals/:id/comments → 201', async () => {
    const body = 'Checked the database — this user has no active subscriptions. Safe to proceed.';
    const res = await server.http(approverA).post(`/api/v1/approvals/${id}/comments`).send({ body }).expect(201);
    expect(res.body).toMatchObject({ approval_request_id: id, body });
    expect(res.body.id).toMatch(UUID);
    expect(res.body).toHaveProperty('user_id');
    expect(res.body.created_at).toMatch(ISO);
  });

  it('PATCH /api/v1/approvals/:id → one vote of two, then the decision', async () => {
    const decision = { decision: 'approve', comment: 'Verified with the user. Proceeding with deletion.', source: 'dashboard' };
    const first = await server.http(approverA).patch(`/api/v1/approvals/${id}`).send(decision).expect(200);
    expect(first.body).toMatchObject({ id, status: 'pending', current_approvals: 1 });
    const second = await server.http(approverB).patch(`/api/v1/approvals/${id}`).send(decision).expect(200);
    expect(second.body).toMatchObject({ id, status: 'approved', callback_delivered: expect.any(Boolean) });
    expect(second.body.decided_at).toMatch(ISO);
    expect(second.body.decided_by).toMatch(UUID);
  });

  it('a decided request cannot be decided or cancelled again (409)', async () => {
    const again = await server.http(approverA).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject' }).expect(409);
    expect(again.body.error).toMatchObject({ code: 'INVALID_STATUS' });
    await server.http(requester).delete(`/api/v1/approvals/${id}`).expect(409);
  });

  it('DELETE /api/v1/approvals/:id cancels a pending request', async () => {
    const created = await server.http(requester).post('/api/v1/approvals').send({ title: 'Pay invoice 7', description: 'EUR 1,200', priority: 'medium' }).expect(201);
    const res = await server.http(requester).delete(`/api/v1/approvals/${created.body.id}`).expect(200);
    expect(res.body).toMatchObject({ id: created.body.id, status: 'cancelled' });
    expect(res.body.cancelled_at).toMatch(ISO);
  });

  it('steps: configure, list, vote in order', async () => {
    const u1 = await seed.addUser('approver');
    const u2 = await seed.addUser('approver');
    // The votes below come from API keys, which decide steps only through the org's admin override.
    await server.db.query('UPDATE orgs SET admin_override = true WHERE id = $1', [seed.org.id]);
    const created = await server.http(requester).post('/api/v1/approvals').send({ title: 'Contract renewal', description: 'Manager then legal', priority: 'medium', is_sequential: true }).expect(201);
    const sid = created.body.id;
    const configured = await server
      .http(requester)
      .post(`/api/v1/approvals/${sid}/steps`)
      .send({ steps: [{ approver_id: u1.id, step_order: 1 }, { approver_id: u2.id, step_order: 2 }] })
      .expect(201);
    expect(configured.body.data).toMatchObject([
      { step_order: 1, approver_id: u1.id, status: 'pending' },
      { step_order: 2, approver_id: u2.id, status: 'pending' },
    ]);
    const listed = await server.http(requester).get(`/api/v1/approvals/${sid}/steps`).expect(200);
    expect(listed.body.data).toHaveLength(2);
    expect(listed.body.data[0]).toMatchObject({ approval_request_id: sid, step_order: 1, decided_at: null });
    const [s1, s2] = listed.body.data;
    const voted = await server.http(approverA).patch(`/api/v1/approvals/${sid}/steps/${s1.id}`).send({ decision: 'approve', comment: 'LGTM' }).expect(200);
    expect(voted.body).toMatchObject({ id: s1.id, status: 'approved' });
    expect(voted.body.decided_at).toMatch(ISO);
    expect(voted.body.decided_by).toMatch(UUID);
    await server.http(approverB).patch(`/api/v1/approvals/${sid}/steps/${s2.id}`).send({ decision: 'approve' }).expect(200);
    const done = await server.http(requester).get(`/api/v1/approvals/${sid}`).expect(200);
    expect(done.body.status).toBe('approved');
  });

  it('errors come in the documented envelope', async () => {
    const res = await server.http(requester).post('/api/v1/approvals').send({ description: 'x', priority: 'high' }).expect(400);
    expect(res.body).toEqual({
      error: { code: 'VALIDATION_ERROR', message: 'title is required', details: expect.any(Object), request_id: expect.any(String) },
    });
    const unauth = await server.http().get('/api/v1/approvals').expect(401);
    expect(unauth.body.error.code).toBe('UNAUTHORIZED');
  });

  it('every response carries the rate-limit headers', async () => {
    const res = await server.http(requester).get('/api/v1/approvals').expect(200);
    expect(res.headers).toHaveProperty('x-ratelimit-limit');
    expect(res.headers).toHaveProperty('x-ratelimit-remaining');
    expect(res.headers).toHaveProperty('x-ratelimit-reset');
  });
});
