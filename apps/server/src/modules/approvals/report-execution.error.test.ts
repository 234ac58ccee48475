/**
 * Execution receipts refused: not approved (pending, rejected), after a final receipt or a second
 * `started`, by a principal that is not the requester, an unknown request, and malformed bodies —
 * each a 4xx in the envelope, and nothing of the receipt changed by a refused report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

async function request(decision?: 'approve' | 'reject') {
  const seed = await seedOrg(server.db);
  const other = await seed.newKey({ name: 'other' });
  const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
  if (decision) await server.http(other.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision }).expect(200);
  return { seed, other, id: created.body.id as string };
}

const report = (key: string, id: string, body: unknown) => server.http(key).post(`/api/v1/approvals/${id}/execution`).send(body as object);

describe('POST /api/v1/approvals/:id/execution refused', () => {
  it('on a pending or a rejected request: 409 INVALID_STATUS', async () => {
    const pending = await request();
    const res = await report(pending.seed.key, pending.id, { status: 'started' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', details: { status: 'pending' } });
    const rejected = await request('reject');
    expect((await report(rejected.seed.key, rejected.id, { status: 'succeeded' }).expect(409)).body.error.details).toEqual({ status: 'rejected' });
  });

  it('after a final receipt, and a second started: 409, the receipt unchanged', async () => {
    const { seed, id } = await request('approve');
    await report(seed.key, id, { status: 'started' }).expect(200);
    const twice = await report(seed.key, id, { status: 'started' }).expect(409);
    expect(twice.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'execution was already reported started', details: { execution_status: 'started' } });
    await report(seed.key, id, { status: 'failed', message: 'boom' }).expect(200);
    for (const status of ['started', 'succeeded', 'failed']) {
      const res = await report(seed.key, id, { status, message: 'again' }).expect(409);
      expect(res.body.error.message).toBe('execution was already reported failed, which is final');
    }
    const got = await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);
    expect(got.body.execution).toMatchObject({ status: 'failed', message: 'boom' });
    const events = await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200);
    expect(events.body.data.filter((e: { type: string }) => e.type === 'approval.execution_reported')).toHaveLength(2);
  });

  it('by a principal that is not the requester: 403', async () => {
    const { other, id } = await request('approve');
    const res = await report(other.key, id, { status: 'started' }).expect(403);
    expect(res.body.error.code).toBeTypeOf('string');
  });

  it('an unknown or another org’s request: 404', async () => {
    const { id } = await request('approve');
    const stranger = await seedOrg(server.db, 'Other');
    await report(stranger.key, id, { status: 'started' }).expect(404);
    await report(stranger.key, '00000000-0000-4000-8000-000000000000', { status: 'started' }).expect(404);
  });

  it('malformed bodies: 400 VALIDATION_ERROR, nothing reported', async () => {
    const { seed, id } = await request('approve');
    for (const body of [
      {},
      { status: 'done' },
      { status: 'started', url: 'javascript:alert(1)' },
      { status: 'started', url: 'ftp://example.com/x' },
      { status: 'started', message: 'x'.repeat(10_001) },
      { status: 'started', extra: true },
      { status: 'started', message: 42 },
    ]) {
      const res = await report(seed.key, id, body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.execution).toBeNull();
  });
});
