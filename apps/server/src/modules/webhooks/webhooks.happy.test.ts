import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
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

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('REST-hook subscriptions', () => {
  it('subscribe → 201 with a stable id and the secret; GET and list show it without the secret; DELETE unsubscribes; DELETE again → 404', async () => {
    const seed = await seedOrg(server.db);
    const created = await server
      .http(seed.key)
      .post('/api/v1/webhooks')
      .send({ url: 'https://hooks.zapier.com/hooks/standard/1/abc', events: ['approval.approved', 'approval.rejected', 'approval.approved'], description: ' Zapier ' })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      url: 'https://hooks.zapier.com/hooks/standard/1/abc',
      events: ['approval.approved', 'approval.rejected'],
      description: 'Zapier',
      status: 'active',
      disabled_reason: null,
      created_at: ISO,
      updated_at: ISO,
      disabled_at: null,
      secret_rotated_at: null,
      created_by: { type: 'connection', id: seed.connectionId, name: 'primary' },
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const { secret, ...shown } = created.body as Record<string, unknown>;
    expect(secret).toBeDefined();
    const one = await server.http(seed.key).get(`/api/v1/webhooks/${created.body.id}`).expect(200);
    expect(one.body).toEqual(shown);
    const list = await server.http(seed.key).get('/api/v1/webhooks').expect(200);
    expect(list.body).toEqual({ data: [shown] });

    const del = await server.http(seed.key).delete(`/api/v1/webhooks/${created.body.id}`).expect(200);
    expect(del.body).toEqual({ id: created.body.id, deleted: true });
    const again = await server.http(seed.key).delete(`/api/v1/webhooks/${created.body.id}`).expect(404);
    expect(again.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'webhook subscription not found' });
    await server.http(seed.key).get(`/api/v1/webhooks/${created.body.id}`).expect(404);
    expect((await server.http(seed.key).get('/api/v1/webhooks').expect(200)).body).toEqual({ data: [] });
  });

  it('a deleted subscription receives nothing more, and its queued deliveries are dropped', async () => {
    const seed = await seedOrg(server.db);
    const hook = (await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/del`, events: ['approval.created'] }).expect(201)).body;
    await server.http(seed.key).delete(`/api/v1/webhooks/${hook.id}`).expect(200);
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const { rows } = await server.db.query(`SELECT 1 FROM deliveries WHERE payload ->> 'subscription_id' = $1`, [hook.id]);
    expect(rows).toHaveLength(0);
  });

  it('rotate-secret answers a new secret once; for 24 h deliveries verify with the new and the previous one', async () => {
    const seed = await seedOrg(server.db);
    const hook = (await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/rotate`, events: ['approval.created'] }).expect(201)).body;
    const rotated = await server.http(seed.key).post(`/api/v1/webhooks/${hook.id}/rotate-secret`).expect(200);
    expect(rotated.body).toEqual({ secret: expect.stringMatching(/^whsec_/), previous_secret_expires_at: ISO, rotated_at: ISO });
    expect(rotated.body.secret).not.toBe(hook.secret);
    const overlap = Date.parse(rotated.body.previous_secret_expires_at) - Date.parse(rotated.body.rotated_at);
    expect(overlap).toBe(24 * 3600_000);
    const shown = await server.http(seed.key).get(`/api/v1/webhooks/${hook.id}`).expect(200);
    expect(shown.body).toMatchObject({ secret_rotated_at: rotated.body.rotated_at });
    expect(shown.body.secret).toBeUndefined();

    const before = receiver.received.length;
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await receiver.until(() => receiver.received.length === before + 1);
    const got = receiver.received.at(-1)!;
    for (const s of [rotated.body.secret, hook.secret]) {
      expect(() => new Webhook(s).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
    }
  });

  it('after the 24 h overlap only the new secret signs', async () => {
    const seed = await seedOrg(server.db);
    const hook = (await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/expired`, events: ['approval.created'] }).expect(201)).body;
    const rotated = (await server.http(seed.key).post(`/api/v1/webhooks/${hook.id}/rotate-secret`).expect(200)).body;
    await server.db.query(`UPDATE webhook_subscriptions SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [hook.id]);
    const before = receiver.received.length;
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await receiver.until(() => receiver.received.length === before + 1);
    const got = receiver.received.at(-1)!;
    expect(got.signature.split(' ')).toHaveLength(1);
    expect(() => new Webhook(rotated.secret).verify(got.body, got.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(hook.secret).verify(got.body, got.headers as Record<string, string>)).toThrow();
  });

  it('the callback secret is created once and read back the same', async () => {
    const seed = await seedOrg(server.db);
    const a = await server.http(seed.key).get('/api/v1/callback-secret').expect(200);
    const b = await server.http(seed.key).get('/api/v1/callback-secret').expect(200);
    expect(a.body.secret).toMatch(/^whsec_/);
    expect(b.body).toEqual(a.body);
    const other = await seedOrg(server.db);
    const c = await server.http(other.key).get('/api/v1/callback-secret').expect(200);
    expect(c.body.secret).not.toBe(a.body.secret);
  });
});
