/**
 * What wakes the delivery worker, with its backstop sweep set to ten minutes so that only the wake-ups
 * are seen: a statement whose events queued a delivery says so (the fan-out's flag, read by the
 * create, decision and cancel statements and by appendEvent; announced on DELIVERIES_CHANNEL). Events
 * that queue nothing (most of them under load) do not wake it at all, whichever process wrote them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { EVENTS_CHANNEL } from '../../events/event-bus.ts';
import { until } from '../../testing/until.ts';

let server: TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '600000' } });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await server.stop();
  await receiver.close();
}, 60_000);

describe('waking the delivery worker', () => {
  it('a create subscribed to approval.created is delivered at once, without the sweep', async () => {
    const seed = await seedOrg(server.db);
    await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/created`, events: ['approval.created'] }).expect(201);
    const before = receiver.received.length;
    const t0 = performance.now();
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await receiver.until(() => receiver.received.slice(before).some((r) => JSON.parse(r.body).data?.approval_id === created.id), 2_000);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it('a comment subscribed to is delivered at once too: its event says it queued a delivery', async () => {
    const seed = await seedOrg(server.db);
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/comments`, events: ['comment.created'] }).expect(201);
    const before = receiver.received.length;
    await server.http(seed.key).post(`/api/v1/approvals/${created.id}/comments`).send({ body: 'looks fine' }).expect(201);
    await receiver.until(() => receiver.received.slice(before).some((r) => JSON.parse(r.body).type === 'comment.created'), 2_000);
  });

  it("a decision's callback is attempted inline by the deciding request, not claimed from under it by the worker", async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const claims = countClaims();
    try {
      for (let i = 0; i < 5; i++) {
        const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/inline/${i}` })).expect(201)).body;
        const res = await server.http(decider.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
        expect(res.body.callback_delivered).toBe(true);
      }
      // Every callback was claimed by its decision's own statement (greenlight_decide) and attempted by the
      // deciding request; the outbox's claim statement (the worker's, woken when each attempt ended to
      // refill its slots) found nothing left to take.
      expect(claims.byDecision).toBe(5);
      expect(claims.rows).toBe(0);
    } finally {
      claims.restore();
    }
  });

  it("a decision's subscriptions go out at once beside its inline callback, without the sweep", async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/decided`, events: ['approval.approved'] }).expect(201);
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/cb` })).expect(201)).body;
    const before = receiver.received.length;
    const res = await server.http(decider.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    expect(res.body.callback_delivered).toBe(true);
    // The worker ignores this process's own decision's announcement (the callback is the request's);
    // the decision's statement says the subscription's row is waiting, and the worker is woken for it.
    const decided = () => receiver.received.slice(before).filter((r) => JSON.parse(r.body).type === 'approval.approved');
    await receiver.until(() => decided().length === 2, 2_000);
    expect(new Set(decided().map((r) => r.id)).size).toBe(2);
  });

  it("a cancellation's callback is delivered at once, without the sweep", async () => {
    const seed = await seedOrg(server.db);
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/cancelled` })).expect(201)).body;
    const before = receiver.received.length;
    await server.http(seed.key).delete(`/api/v1/approvals/${created.id}`).expect(200);
    await receiver.until(() => receiver.received.slice(before).some((r) => r.path === '/cancelled'), 2_000);
  });

  it('creates that queue no delivery never make the worker look', async () => {
    const seed = await seedOrg(server.db);
    await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/approved`, events: ['approval.approved'] }).expect(201);
    const claims = countClaims();
    try {
      for (let i = 0; i < 20; i++) await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
      await new Promise((r) => setTimeout(r, 200));
      expect(claims.n).toBe(0);
    } finally {
      claims.restore();
    }
  });
  it('events that queue no delivery (comments, votes and decisions nobody waits for) never make the worker look', async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ required_approvals: 2 })).expect(201)).body.id as string);
    const heard = new Set<string>();
    const unlisten = await server.db.listen(EVENTS_CHANNEL, (p) => heard.add(p));
    const claims = countClaims();
    try {
      const written: string[] = [];
      for (const id of ids) {
        await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'looks fine' }).expect(201);
        await server.http(decider.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
        await server.http(decider.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject' }).expect(409);
        await server.http(seed.key).delete(`/api/v1/approvals/${id}`).expect(200);
        // Those written since the listener started: all but the create's.
        written.push(...(await server.db.query<{ id: string }>(`SELECT id::text AS id FROM events WHERE approval_id = $1 AND type <> 'approval.created'`, [id])).rows.map((r) => r.id));
      }
      // Every one of them announced, as the worker would have heard them; then a moment for any claim to start.
      await until(() => written.every((e) => [...heard].some((p) => p.split(':')[1] === e)), 5_000);
      await new Promise((r) => setTimeout(r, 200));
      expect(written.length).toBeGreaterThanOrEqual(15);
      expect(claims.n).toBe(0);
    } finally {
      claims.restore();
      await unlisten();
    }
  });
});

/** Counts the worker's claims by watching for the outbox's claim statement (outbox.ts CLAIM_SQL). */
function countClaims() {
  // n / rows: the worker's claims of whatever is due, and the rows they took; byDecision: callbacks
  // claimed by a decision's statement.
  const counter = { n: 0, rows: 0, byDecision: 0, restore: () => {} };
  const db = server.deps.db;
  const query = db.query.bind(db);
  const marker = 'FOR UPDATE SKIP LOCKED';
  db.query = ((sql: string, params?: unknown[], options?: unknown) => {
    const claim = typeof sql === 'string' && sql.includes(marker) && sql.includes('deliveries');
    if (claim) counter.n++;
    const result = query(sql, params, options as never);
    if (typeof sql === 'string' && sql.includes('greenlight_decide(')) {
      // A refused vote rejects: the caller handles that, not this count.
      void result.then(
        (r) => {
          counter.byDecision += r.rows.filter((row) => (row as { delivery_id: string | null }).delivery_id !== null).length;
        },
        () => {},
      );
    }
    if (claim) {
      void result.then((r) => {
        counter.rows += r.rows.length;
      });
    }
    return result;
  }) as typeof db.query;
  counter.restore = () => {
    db.query = query;
  };
  return counter;
}
