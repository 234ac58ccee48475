/**
 * The outbox worker against real receivers on 127.0.0.1 (allowed by GREENLIGHT_CALLBACK_ALLOW_CIDRS),
 * with a retry schedule shortened by configuration.
 */
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { useCallbackServer } from '../../testing/callback-world.ts';
import { startReceiver } from '../../testing/receiver.ts';

let server: TestServer;
const { receiver } = useCallbackServer((s) => (server = s), {
  GREENLIGHT_DELIVERY_SCHEDULE: '0,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms,150ms',
  GREENLIGHT_DELIVERY_SWEEP_MS: '100',
  GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000',
});


async function subscribe(seed: SeededOrg, url: string, events: string[]) {
  const res = await server.http(seed.key).post('/api/v1/webhooks').send({ url, events }).expect(201);
  return res.body as { id: string; secret: string };
}

const create = async (seed: SeededOrg, overrides: Record<string, unknown> = {}) =>
  (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201)).body as { id: string };

const deliveries = async (subscriptionId: string) =>
  (
    await server.db.query<{ id: string; status: string; attempts: number; n_attempts: number }>(
      `SELECT d.id, d.status, d.attempts, (SELECT count(*)::int FROM delivery_attempts t WHERE t.delivery_id = d.id) AS n_attempts
         FROM deliveries d WHERE d.payload ->> 'subscription_id' = $1 ORDER BY d.seq`,
      [subscriptionId],
    )
  ).rows;

describe('subscriptions receive their events, signed', () => {
  it('approval.created arrives at once with Standard Webhooks headers that the standardwebhooks package verifies', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver();
    const hook = await subscribe(seed, `${r.url}/zap`, ['approval.created']);
    const a = await create(seed, { title: 'Deploy v2.4.0' });
    await r.until(() => r.received.length === 1);
    const got = r.received[0]!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['user-agent']).toBe('Greenlight-Webhooks/1.0');
    expect(got.attempt).toBe(1);
    expect(Math.abs(Number(got.timestamp) - Date.now() / 1000)).toBeLessThan(5);
    const payload = WebhookPayload.parse(new Webhook(hook.secret).verify(got.body, got.headers as Record<string, string>));
    expect(payload).toMatchObject({
      type: 'approval.created',
      data: { approval_id: a.id, org_id: seed.org.id, actor: { type: 'connection', id: seed.connectionId }, to_status: 'pending', approval: { id: a.id, title: 'Deploy v2.4.0' } },
    });
    // The receiver answered; the worker records the outcome right after.
    for (let i = 0; i < 40 && (await deliveries(hook.id))[0]?.status !== 'delivered'; i++) await new Promise((res) => setTimeout(res, 25));
    const [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ id: got.id, status: 'delivered', attempts: 1, n_attempts: 1 });
  });

  it('only the chosen event types, only for its own org', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const r = await receiver();
    const hook = await subscribe(seed, `${r.url}/decisions`, ['approval.rejected', 'approval.cancelled']);
    const a = await create(seed);
    const b = await create(seed);
    await create(other);
    const approver = await seed.newKey();
    await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'reject', comment: 'no' }).expect(200);
    await server.http(seed.key).delete(`/api/v1/approvals/${b.id}`).expect(200);
    await r.until(() => r.received.length >= 2);
    // Each event is queued in the transaction that made it: two rows, both delivered, and nothing more to send.
    for (let i = 0; i < 40 && (await deliveries(hook.id)).some((d) => d.status !== 'delivered'); i++) await new Promise((res) => setTimeout(res, 25));
    expect((await deliveries(hook.id)).map((d) => d.status)).toEqual(['delivered', 'delivered']);
    const types = r.received.map((x) => (JSON.parse(x.body) as WebhookPayload).type).sort();
    expect(types).toEqual(['approval.cancelled', 'approval.rejected']);
    const rejected = r.received.map((x) => JSON.parse(x.body) as WebhookPayload).find((p) => p.type === 'approval.rejected')!;
    expect(rejected.data).toMatchObject({ from_status: 'pending', to_status: 'rejected', details: { decision: 'reject', comment: 'no' }, approval: { status: 'rejected' } });
  });
});

describe('retries', () => {
  it('a receiver that is down and comes back gets every event, each under its one webhook-id', async () => {
    const seed = await seedOrg(server.db);
    const probe = await startReceiver();
    const port = probe.port;
    await probe.close(); // nothing listens there now: connection refused
    const hook = await subscribe(seed, `http://127.0.0.1:${port}/hook`, ['approval.created']);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await create(seed, { title: `outage ${i}` })).id);
    // Wait until every delivery has failed at least twice.
    for (let i = 0; i < 100 && (await deliveries(hook.id)).some((d) => d.n_attempts < 2); i++) await new Promise((res) => setTimeout(res, 50));
    const failed = await deliveries(hook.id);
    expect(failed.every((d) => d.n_attempts >= 2 && d.status !== 'delivered')).toBe(true);

    // The receiver comes back where it was.
    const revived = await receiver(undefined, '127.0.0.1', port);
    await revived.until(() => revived.ids().size === 5);
    const titles = revived.received.map((x) => (JSON.parse(x.body) as WebhookPayload).data.approval!.title).sort();
    expect(titles).toEqual(['outage 0', 'outage 1', 'outage 2', 'outage 3', 'outage 4']);
    expect([...revived.ids()].sort()).toEqual(failed.map((d) => d.id).sort());
    for (let i = 0; i < 50 && (await deliveries(hook.id)).some((d) => d.status !== 'delivered'); i++) await new Promise((res) => setTimeout(res, 50));
    expect((await deliveries(hook.id)).map((d) => d.status)).toEqual(Array(5).fill('delivered'));
  });

  it('honours Retry-After: the next attempt waits for it rather than the 150 ms of the schedule', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver((_req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    await subscribe(seed, `${r.url}/hook`, ['approval.created']);
    await create(seed);
    await r.until(() => r.received.length === 2, 5000);
    const gap = r.received[1]!.at - r.received[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(950);
    expect(r.received[1]!.id).toBe(r.received[0]!.id);
    expect(r.received.map((x) => x.attempt)).toEqual([1, 2]);
  });
});

describe('410 Gone', () => {
  it('removes the subscription and makes zero further attempts', async () => {
    const seed = await seedOrg(server.db);
    const r = await receiver(() => ({ status: 410 }));
    const hook = await subscribe(seed, `${r.url}/gone`, ['approval.created']);
    await create(seed);
    await r.until(() => r.received.length === 1);
    for (let i = 0; i < 40 && (await deliveries(hook.id))[0]?.status !== 'gone'; i++) await new Promise((res) => setTimeout(res, 50));
    expect(await deliveries(hook.id)).toEqual([expect.objectContaining({ status: 'gone', attempts: 1, n_attempts: 1 })]);
    await server.http(seed.key).get(`/api/v1/webhooks/${hook.id}`).expect(404);
    const list = await server.http(seed.key).get('/api/v1/webhooks').expect(200);
    expect(list.body.data).toEqual([]);
    // Later events find no subscription: nothing is queued (an event's rows commit with it), so nothing is sent.
    await create(seed);
    expect(await deliveries(hook.id)).toHaveLength(1);
    expect(r.received).toHaveLength(1);
  });
});

describe('3xx', () => {
  it('is not followed but retried, and after the last attempt the subscription is disabled and delivery.failed recorded', async () => {
    const seed = await seedOrg(server.db);
    const target = await receiver();
    const r = await receiver(() => ({ status: 301, headers: { location: `${target.url}/elsewhere` } }));
    const watcher = await receiver();
    const hook = await subscribe(seed, `${r.url}/moved`, ['approval.created']);
    const failures = await subscribe(seed, `${watcher.url}/failures`, ['delivery.failed']);
    await create(seed);
    await r.until(() => r.received.length === 16, 15_000);
    await watcher.until(() => watcher.received.length === 1, 5000);
    for (let i = 0; i < 40 && (await deliveries(hook.id))[0]?.status !== 'failed'; i++) await new Promise((res) => setTimeout(res, 25));
    expect(target.connections).toBe(0);
    expect(new Set(r.received.map((x) => x.id)).size).toBe(1);
    expect(r.received.map((x) => x.attempt)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));

    const [d] = await deliveries(hook.id);
    expect(d).toMatchObject({ status: 'failed', attempts: 16, n_attempts: 16 });
    const got = await server.http(seed.key).get(`/api/v1/webhooks/${hook.id}`).expect(200);
    expect(got.body).toMatchObject({ status: 'disabled', disabled_reason: expect.stringContaining(`delivery ${d!.id} failed after 16 attempts`) });

    const failed = new Webhook(failures.secret).verify(watcher.received[0]!.body, watcher.received[0]!.headers as Record<string, string>) as WebhookPayload;
    expect(failed).toMatchObject({
      type: 'delivery.failed',
      data: {
        approval_id: null,
        actor: { type: 'system' },
        details: { delivery_id: d!.id, subscription_id: hook.id, target: 'subscription', event_type: 'approval.created', attempts: 16, last_status_code: 301 },
      },
    });
    // Disabled: later events are not queued for it (an event's rows commit with it).
    await create(seed);
    expect(await deliveries(hook.id)).toHaveLength(1);
    expect(r.received).toHaveLength(16);
  });
});
