import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import type { AuthContext } from '../../context.ts';
import { cancelApproval } from './cancel-approval.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

async function create(seed: SeededOrg, overrides: Record<string, unknown> = {}) {
  const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201);
  return res.body as { id: string; updated_at: string };
}

async function state(id: string) {
  const { rows } = await server.db.query<{ status: string; cancelled_at: Date | null; updated_at: Date; events: number }>(
    `SELECT status, cancelled_at, updated_at, (SELECT count(*)::int FROM events e WHERE e.approval_id = a.id) AS events
       FROM approvals a WHERE id = $1`,
    [id],
  );
  return rows[0]!;
}

describe('DELETE /api/v1/approvals/:id — refusals', () => {
  it('refuses a second cancel (409 INVALID_STATUS) and changes nothing', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed);
    await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(200);
    const before = await state(a.id);
    const res = await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'approval request is already cancelled', details: { status: 'cancelled' } });
    expect(await state(a.id)).toEqual(before);
  });

  it.each(['approved', 'rejected', 'expired'] as const)('refuses to cancel a request that is %s (409 INVALID_STATUS)', async (status) => {
    const seed = await seedOrg(server.db);
    const a = await create(seed);
    // Decisions and expiry belong to other modules; their end state is all this refusal needs.
    await server.db.query(`UPDATE approvals SET status = $2, decided_at = CASE WHEN $2 = 'expired' THEN NULL ELSE now() END WHERE id = $1`, [a.id, status]);
    const before = await state(a.id);
    const res = await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: `approval request is already ${status}` });
    expect(await state(a.id)).toEqual(before);
  });

  it('refuses a pending request past its expires_at before the sweeper has run (409 APPROVAL_EXPIRED)', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed, { expires_at: new Date(Date.now() + 300).toISOString() });
    await new Promise((r) => setTimeout(r, 400));
    const res = await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(409);
    expect(res.body.error).toMatchObject({ code: 'APPROVAL_EXPIRED', message: 'approval request has expired and can no longer be cancelled' });
    expect(await state(a.id)).toMatchObject({ status: 'pending', cancelled_at: null, events: 1 });
  });

  it('answers 503 EMERGENCY_STOP while the stop is on, and changes nothing', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed);
    const before = await state(a.id);
    await setEmergencyStop(server.db, seed.org.id, true);
    const res = await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(503);
    expect(res.body.error.code).toBe('EMERGENCY_STOP');
    expect(await state(a.id)).toEqual(before);
    // Reads still work during the stop.
    await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200);
    await setEmergencyStop(server.db, seed.org.id, false);
    await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(200);
  });

  it('re-checks the stop under the row lock when it was turned on after the request authenticated', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed);
    const before = await state(a.id);
    const auth: AuthContext = {
      org: { id: seed.org.id, slug: seed.org.slug, name: seed.org.name, emergency_stop: false },
      principal: { type: 'connection', id: seed.connectionId, name: 'primary' },
      connection: null,
      user: null,
      scopes: ['approvals:write'],
      rateLimitKey: 'test',
      rateLimit: 100,
      rateLimitWindowSeconds: 3600,
    };
    await setEmergencyStop(server.db, seed.org.id, true);
    const attempt = cancelApproval({
      params: { id: a.id },
      query: {},
      body: {},
      headers: {},
      auth,
      deps: server.deps,
      log: pino({ level: 'silent' }),
      requestId: 'req_test',
    } as Parameters<typeof cancelApproval>[0]);
    await expect(attempt).rejects.toMatchObject({ code: 'EMERGENCY_STOP', status: 503 });
    expect(await state(a.id)).toEqual(before);
  });

  it.each([
    ['not a UUID', 'nope', 'resource not found'],
    ['an unknown UUID', '6f1c2b0e-8a4d-4c3e-9b7a-1d2e3f4a5b6c', 'approval request not found'],
  ])('%s → 404 NOT_FOUND', async (_name, id, message) => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).delete(`/api/v1/approvals/${id}`).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message });
  });
});
