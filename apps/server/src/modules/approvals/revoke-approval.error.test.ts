/**
 * Revokes refused: after the window, after an execution receipt (and a `started` receipt racing a
 * revoke), on a request without a window, on a pending or already revoked request, by a principal
 * that did not approve it, another org's request, and malformed bodies — each a 4xx in the envelope
 * with its reason, and the request unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

async function approved(extra: Record<string, unknown> = { revocable_for_seconds: 300 }) {
  const seed = await seedOrg(server.db);
  const approver = await seed.newKey({ name: 'approver' });
  const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(extra)).expect(201);
  const id = created.body.id as string;
  await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
  return { seed, approver, id };
}

const revoke = (key: string, id: string, body: unknown = {}) => server.http(key).post(`/api/v1/approvals/${id}/revoke`).send(body as object);
const statusOf = async (key: string, id: string) => (await server.http(key).get(`/api/v1/approvals/${id}`).expect(200)).body;

describe('POST /api/v1/approvals/:id/revoke refused', () => {
  it('after the window: 409 window_closed, still approved', async () => {
    const { seed, approver, id } = await approved({ revocable_for_seconds: 1 });
    await new Promise((r) => setTimeout(r, 1_100));
    const res = await revoke(approver.key, id).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'the revoke window has closed', details: { reason: 'window_closed' } });
    expect(await statusOf(seed.key, id)).toMatchObject({ status: 'approved', revoked_at: null });
  });

  it('after execution started: 409 execution_started; a receipt after a revoke: 409 revoked', async () => {
    const { seed, approver, id } = await approved();
    await server.http(seed.key).post(`/api/v1/approvals/${id}/execution`).send({ status: 'started' }).expect(200);
    const res = await revoke(approver.key, id).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', details: { reason: 'execution_started', execution_status: 'started' } });
    expect(await statusOf(seed.key, id)).toMatchObject({ status: 'approved', revoked_at: null });

    const other = await approved();
    await revoke(other.approver.key, other.id).expect(200);
    const late = await server.http(other.seed.key).post(`/api/v1/approvals/${other.id}/execution`).send({ status: 'started' }).expect(409);
    expect(late.body.error.details).toMatchObject({ reason: 'revoked' });
  });

  it('a revoke and a started receipt at once: exactly one wins', async () => {
    const { seed, approver, id } = await approved();
    const [r, e] = await Promise.all([revoke(approver.key, id), server.http(seed.key).post(`/api/v1/approvals/${id}/execution`).send({ status: 'started' })]);
    expect([r.status, e.status].sort()).toEqual([200, 409]);
    const final = await statusOf(seed.key, id);
    expect(final.status).toBe(r.status === 200 ? 'rejected' : 'approved');
  });

  it('by a principal that did not approve it (the requester, another key): 403 with the reason', async () => {
    const { seed, id } = await approved();
    const bystander = await seed.newKey({ name: 'bystander' });
    for (const key of [seed.key, bystander.key]) {
      const res = await revoke(key, id).expect(403);
      expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'not_an_approver' } });
    }
    expect((await statusOf(seed.key, id)).status).toBe('approved');
  });

  it('without a window, pending, rejected, twice: 409 with the reason', async () => {
    const none = await approved({});
    expect((await revoke(none.approver.key, none.id).expect(409)).body.error.details).toMatchObject({ reason: 'not_revocable' });

    const twice = await approved();
    await revoke(twice.approver.key, twice.id).expect(200);
    expect((await revoke(twice.approver.key, twice.id).expect(409)).body.error.details).toMatchObject({ reason: 'already_revoked' });

    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const pending = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ revocable_for_seconds: 60 })).expect(201);
    // Nobody approved it yet, so only the not-approver rule can answer for a key.
    await revoke(approver.key, pending.body.id).expect(403);
    await server.http(approver.key).patch(`/api/v1/approvals/${pending.body.id}`).send({ decision: 'reject' }).expect(200);
    await revoke(approver.key, pending.body.id).expect(403);
  });

  it('another org’s request or an unknown id: 404', async () => {
    const { id } = await approved();
    const stranger = await seedOrg(server.db, 'Other');
    await revoke(stranger.key, id).expect(404);
    await revoke(stranger.key, '00000000-0000-4000-8000-000000000000').expect(404);
  });

  it('malformed: 400, a window out of bounds on create: 400', async () => {
    const { approver, id } = await approved();
    for (const body of [{ reason: 5 }, { reason: 'x'.repeat(10_001) }, { extra: true }]) {
      expect((await revoke(approver.key, id, body).expect(400)).body.error.code).toBe('VALIDATION_ERROR');
    }
    const seed = await seedOrg(server.db);
    for (const revocable_for_seconds of [0, -5, 86_401, 1.5, '5m']) {
      const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ revocable_for_seconds })).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
  });
});
