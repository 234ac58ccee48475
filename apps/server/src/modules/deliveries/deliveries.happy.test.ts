import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Delivery } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';

let server: TestServer;
let receiver: TestReceiver;
let failing = false;
beforeAll(async () => {
  server = await startTestServer({
    config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_DELIVERY_SCHEDULE: '0,100ms' },
  });
  receiver = await startReceiver(() => ({ status: failing ? 503 : 200 }));
}, 60_000);
afterAll(async () => {
  await server.stop();
  await receiver.close();
}, 60_000);

async function settled(orgId: string) {
  for (let i = 0; i < 100; i++) {
    const { rows } = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE org_id = $1 AND status IN ('pending', 'delivering')`, [orgId]);
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error('deliveries did not settle');
}

describe('GET /api/v1/deliveries', () => {
  it('lists callback and subscription deliveries newest first, with every attempt, filterable', async () => {
    const seed = await seedOrg(server.db);
    const hook = (await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/log`, events: ['approval.created'] }).expect(201)).body;
    const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/cb` })).expect(201)).body;
    const b = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await server.http((await seed.newKey()).key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    await settled(seed.org.id);

    const all = await server.http(seed.key).get('/api/v1/deliveries').expect(200);
    expect(all.body.pagination).toEqual({ page: 1, page_size: 20, total: 3, total_pages: 1 });
    const data = all.body.data.map((d: unknown) => Delivery.parse(d));
    expect(data.map((d: Delivery) => [d.event_type, d.target, d.approval_id])).toEqual([
      ['approval.approved', 'callback', a.id],
      ['approval.created', 'subscription', b.id],
      ['approval.created', 'subscription', a.id],
    ]);
    expect(data[0]).toMatchObject({
      url: `${receiver.url}/cb`,
      status: 'delivered',
      attempt_count: 1,
      subscription_id: null,
      next_attempt_at: null,
      last_status_code: 200,
      last_error: null,
      delivered_at: expect.any(String),
      attempts: [{ attempt: 1, status_code: 200, error: null, duration_ms: expect.any(Number), started_at: expect.any(String) }],
    });
    // The delivery id is the webhook-id the receiver saw.
    expect(receiver.received.map((r) => r.id)).toEqual(expect.arrayContaining(data.map((d: Delivery) => d.id)));

    const byApproval = await server.http(seed.key).get(`/api/v1/deliveries?approval_id=${a.id}`).expect(200);
    expect(byApproval.body.data.map((d: Delivery) => d.event_type)).toEqual(['approval.approved', 'approval.created']);
    const bySubscription = await server.http(seed.key).get(`/api/v1/deliveries?subscription_id=${hook.id}`).expect(200);
    expect(bySubscription.body.data).toHaveLength(2);
    const paged = await server.http(seed.key).get('/api/v1/deliveries?page=2&page_size=2').expect(200);
    expect(paged.body.pagination).toEqual({ page: 2, page_size: 2, total: 3, total_pages: 2 });
    expect(paged.body.data.map((d: Delivery) => d.id)).toEqual([data[2].id]);
    const failed = await server.http(seed.key).get('/api/v1/deliveries?status=failed').expect(200);
    expect(failed.body.data).toEqual([]);
  });
});

describe('POST /api/v1/deliveries/:id/redeliver', () => {
  it('makes a new attempt under the same webhook-id, with a fresh schedule', async () => {
    const seed = await seedOrg(server.db);
    failing = true;
    const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/re` })).expect(201)).body;
    await server.http((await seed.newKey()).key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'reject' }).expect(200);
    await settled(seed.org.id);
    const [before] = (await server.http(seed.key).get(`/api/v1/deliveries?approval_id=${a.id}`).expect(200)).body.data as Delivery[];
    expect(before).toMatchObject({ status: 'failed', attempt_count: 2, last_status_code: 503 });
    const gotBefore = receiver.received.filter((r) => r.id === before!.id).length;
    expect(gotBefore).toBe(2);

    failing = false;
    const queued = await server.http(seed.key).post(`/api/v1/deliveries/${before!.id}/redeliver`).expect(202);
    expect(queued.body).toMatchObject({ id: before!.id, status: 'pending', attempt_count: 2 });
    await settled(seed.org.id);

    const [after] = (await server.http(seed.key).get(`/api/v1/deliveries?approval_id=${a.id}`).expect(200)).body.data as Delivery[];
    expect(after).toMatchObject({ id: before!.id, status: 'delivered', attempt_count: 3 });
    expect(after!.attempts.map((t) => [t.attempt, t.status_code])).toEqual([[1, 503], [2, 503], [3, 200]]);
    const sent = receiver.received.filter((r) => r.id === before!.id);
    expect(sent.map((r) => r.attempt)).toEqual([1, 2, 3]);
    // The same bytes every time: the body is fixed by the first attempt.
    expect(new Set(sent.map((r) => r.body)).size).toBe(1);
    // Only one delivery.failed for the org, from the first run of the schedule.
    const { rows } = await server.db.query(`SELECT 1 FROM events WHERE org_id = $1 AND type = 'delivery.failed'`, [seed.org.id]);
    expect(rows).toHaveLength(1);
  });

  it.each(['pending', 'delivering'])('refuses a delivery that is still %s (409)', async (status) => {
    const seed = await seedOrg(server.db);
    await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/q`, events: ['approval.created'] }).expect(201);
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await settled(seed.org.id);
    const [d] = (await server.http(seed.key).get('/api/v1/deliveries').expect(200)).body.data as Delivery[];
    // Queued far ahead, so no worker touches it during the test.
    await server.db.query(`UPDATE deliveries SET status = $2, next_attempt_at = now() + interval '1 hour' WHERE id = $1`, [d!.id, status]);
    const res = await server.http(seed.key).post(`/api/v1/deliveries/${d!.id}/redeliver`).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: `delivery is already ${status}`, details: { status } });
  });

  it('refuses a delivery of a deleted subscription (409)', async () => {
    const seed = await seedOrg(server.db);
    const hook = (await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/gone`, events: ['approval.created'] }).expect(201)).body;
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await settled(seed.org.id);
    await server.http(seed.key).delete(`/api/v1/webhooks/${hook.id}`).expect(200);
    const [d] = (await server.http(seed.key).get('/api/v1/deliveries').expect(200)).body.data as Delivery[];
    const res = await server.http(seed.key).post(`/api/v1/deliveries/${d!.id}/redeliver`).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'its webhook subscription is deleted' });
  });
});
