/**
 * Tenant isolation, secrets shown once, and scopes for webhooks and the delivery log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';

let server: TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await server.stop();
  await receiver.close();
}, 60_000);

async function subscribed(seed: SeededOrg) {
  const res = await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/sec`, events: ['approval.created'] }).expect(201);
  return res.body as { id: string; secret: string };
}

describe("another org's webhooks and deliveries", () => {
  it('are not found (404) for GET, DELETE, rotate-secret and redeliver, and stay untouched', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const hook = await subscribed(a);
    await server.http(a.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await receiver.until(() => receiver.received.some((r) => JSON.parse(r.body).data.org_id === a.org.id));
    const { rows } = await server.db.query<{ id: string }>(`SELECT id FROM deliveries WHERE payload ->> 'subscription_id' = $1`, [hook.id]);
    const deliveryId = rows[0]!.id;
    for (;;) {
      const d = await server.db.query<{ status: string }>('SELECT status FROM deliveries WHERE id = $1', [deliveryId]);
      if (d.rows[0]!.status === 'delivered') break;
      await new Promise((r) => setTimeout(r, 20));
    }

    const asB = server.http(b.key);
    for (const res of [
      await asB.get(`/api/v1/webhooks/${hook.id}`),
      await asB.delete(`/api/v1/webhooks/${hook.id}`),
      await asB.post(`/api/v1/webhooks/${hook.id}/rotate-secret`),
      await asB.post(`/api/v1/deliveries/${deliveryId}/redeliver`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await asB.get('/api/v1/webhooks').expect(200)).body.data).toEqual([]);
    expect((await asB.get('/api/v1/deliveries').expect(200)).body).toMatchObject({ data: [], pagination: { total: 0 } });
    expect((await asB.get(`/api/v1/deliveries?subscription_id=${hook.id}`).expect(200)).body.data).toEqual([]);

    const still = await server.http(a.key).get(`/api/v1/webhooks/${hook.id}`).expect(200);
    expect(still.body).toMatchObject({ status: 'active', secret_rotated_at: null });
    const log = await server.http(a.key).get('/api/v1/deliveries').expect(200);
    expect(log.body.data).toEqual([expect.objectContaining({ id: deliveryId, status: 'delivered', attempt_count: 1 })]);
  });

  it("org B's subscription never receives org A's events", async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const hookB = await subscribed(b);
    await server.http(a.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await new Promise((r) => setTimeout(r, 300));
    const { rows } = await server.db.query(`SELECT 1 FROM deliveries WHERE payload ->> 'subscription_id' = $1`, [hookB.id]);
    expect(rows).toHaveLength(0);
  });
});

describe('secrets are shown once', () => {
  it('no read, list, delivery log or delete answer carries a signing secret', async () => {
    const seed = await seedOrg(server.db);
    const hook = await subscribed(seed);
    const rotated = (await server.http(seed.key).post(`/api/v1/webhooks/${hook.id}/rotate-secret`).expect(200)).body.secret as string;
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await new Promise((r) => setTimeout(r, 200));
    const answers = [
      await server.http(seed.key).get(`/api/v1/webhooks/${hook.id}`).expect(200),
      await server.http(seed.key).get('/api/v1/webhooks').expect(200),
      await server.http(seed.key).get('/api/v1/deliveries').expect(200),
      await server.http(seed.key).delete(`/api/v1/webhooks/${hook.id}`).expect(200),
    ];
    for (const res of answers) {
      expect(res.text).not.toContain('whsec_');
      expect(res.text).not.toContain(hook.secret.slice(6));
      expect(res.text).not.toContain(rotated.slice(6));
    }
  });
});

describe('scopes', () => {
  it.each([
    ['GET', '/api/v1/webhooks'],
    ['POST', '/api/v1/webhooks'],
    ['GET', '/api/v1/callback-secret'],
    ['GET', '/api/v1/deliveries'],
  ])('an approvals:read key cannot %s %s (403 INSUFFICIENT_SCOPE)', async (method, path) => {
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ scopes: ['approvals:read'] });
    const http = server.http(key);
    const res = method === 'GET' ? await http.get(path) : await http.post(path).send({ url: 'https://a.example/x', events: ['approval.created'] });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', details: { required_scope: 'approvals:write' } });
  });
});
