import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WaitResult } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { WAIT_RECHECK_MS } from './wait-for-approval.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sooner than the waiter's own recheck of the row: only the event can explain the answer. How fast
 * the event wakes a waiter is bench/'s (W1), not a test's: a fixed figure here fails on a busy machine.
 */
const WOKEN_BY_THE_EVENT_MS = WAIT_RECHECK_MS / 2;

async function create(seed: SeededOrg, overrides: Record<string, unknown> = {}): Promise<{ id: string }> {
  return (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201)).body;
}

/** Resolves once `n` more waiters than `before` are registered on the bus: the long poll is really waiting. */
async function waitersAbove(before: number, n = 1) {
  for (let i = 0; i < 200 && server.deps.bus.size < before + n; i++) await sleep(10);
  expect(server.deps.bus.size).toBeGreaterThanOrEqual(before + n);
}

/** Starts a long poll; resolves with its body and the moment its response was complete. */
function startWait(key: string, id: string, timeout = 20) {
  return server
    .http(key)
    .get(`/api/v1/approvals/${id}/wait?timeout=${timeout}`)
    .then((res) => ({ res, at: performance.now() }));
}

describe('GET /approvals/:id/wait', () => {
  it('answers a decision made by another request at once, woken by its event', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const a = await create(seed);
    const before = server.deps.bus.size;
    const waiting = startWait(seed.key, a.id);
    await waitersAbove(before);
    await sleep(100);

    const decided = await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', comment: 'ok' }).expect(200);
    const decidedAt = performance.now();
    const { res, at } = await waiting;

    expect(res.status).toBe(200);
    expect(WaitResult.safeParse(res.body).success).toBe(true);
    expect(res.body).toMatchObject({ id: a.id, status: 'approved', timed_out: false, decided_at: decided.body.decided_at });
    expect(at - decidedAt).toBeLessThan(WOKEN_BY_THE_EVENT_MS);
    // The waiter is gone once answered.
    expect(server.deps.bus.size).toBe(before);
  });

  it('a vote that leaves the request pending does not end the wait; the final one does', async () => {
    const seed = await seedOrg(server.db);
    const [v1, v2] = [await seed.newKey(), await seed.newKey()];
    const a = await create(seed, { required_approvals: 2 });
    const before = server.deps.bus.size;
    let answered = false;
    const waiting = startWait(seed.key, a.id).then((r) => {
      answered = true;
      return r;
    });
    await waitersAbove(before);

    await server.http(v1.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    await sleep(300);
    expect(answered).toBe(false);

    await server.http(v2.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    const decidedAt = performance.now();
    const { res, at } = await waiting;
    expect(res.body).toMatchObject({ status: 'approved', current_approvals: 2, timed_out: false });
    expect(at - decidedAt).toBeLessThan(WOKEN_BY_THE_EVENT_MS);
  });

  it('answers at the timeout with the request still pending and timed_out: true', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed);
    const t0 = performance.now();
    const res = await server.http(seed.key).get(`/api/v1/approvals/${a.id}/wait?timeout=1`).expect(200);
    const elapsed = performance.now() - t0;
    expect(res.body).toMatchObject({ id: a.id, status: 'pending', timed_out: true });
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2_500);
  });

  it.each(['approve', 'reject', 'cancel'] as const)('answers at once when the request is already decided (%s)', async (how) => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const a = await create(seed);
    if (how === 'cancel') await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(200);
    else await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: how }).expect(200);

    const t0 = performance.now();
    const res = await server.http(seed.key).get(`/api/v1/approvals/${a.id}/wait?timeout=30`).expect(200);
    expect(performance.now() - t0).toBeLessThan(WOKEN_BY_THE_EVENT_MS);
    expect(res.body).toMatchObject({
      status: { approve: 'approved', reject: 'rejected', cancel: 'cancelled' }[how],
      timed_out: false,
    });
  });

  it('answers the expiry when the sweeper expires the request', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed, { expires_at: new Date(Date.now() + 300).toISOString() });
    const before = server.deps.bus.size;
    const waiting = startWait(seed.key, a.id);
    await waitersAbove(before);
    await sleep(400);
    const { expireDue } = await import('../../core/approvals/index.ts');
    await expireDue(server.db);
    const sweptAt = performance.now();
    const { res, at } = await waiting;
    expect(res.body).toMatchObject({ status: 'expired', timed_out: false });
    expect(at - sweptAt).toBeLessThan(WOKEN_BY_THE_EVENT_MS);
  });

  it('a client that disconnects leaves no waiter behind', async () => {
    const seed = await seedOrg(server.db);
    const a = await create(seed);
    const before = server.deps.bus.size;
    const req = request(`${server.url}/api/v1/approvals/${a.id}/wait?timeout=60`, { headers: { Authorization: `Bearer ${seed.key}` } });
    req.on('error', () => {});
    req.end();
    await waitersAbove(before);
    req.destroy();
    for (let i = 0; i < 100 && server.deps.bus.size > before; i++) await sleep(10);
    expect(server.deps.bus.size).toBe(before);
  });
});
