/**
 * The emergency stop halts what automations receive: while it is on, a decision's callback that has
 * not gone out yet is held (not dropped), redelivery and webhook changes are refused, and when the stop
 * ends the callback arrives, once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
let receiver: TestReceiver;
/** The receiver refuses (503) until this is set, so the callback is still queued when the stop comes. */
let accepting = false;

beforeAll(async () => {
  server = await startTestServer({
    config: {
      GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
      GREENLIGHT_DELIVERY_SCHEDULE: '0,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms',
      GREENLIGHT_DELIVERY_SWEEP_MS: '100',
      GREENLIGHT_DELIVERY_TIMEOUT_MS: '5000',
    },
  });
  receiver = await startReceiver(() => ({ status: accepting ? 200 : 503 }));
}, 60_000);
afterAll(async () => {
  await server.stop();
  await receiver.close();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The statuses of the request's deliveries, once `done` holds for them (polled). */
async function statusesOnce(approvalId: string, done: (statuses: string[]) => boolean): Promise<string[]> {
  for (const end = Date.now() + 10_000; ; await sleep(25)) {
    const { rows } = await server.db.query<{ status: string }>(`SELECT status FROM deliveries WHERE approval_id = $1 ORDER BY seq`, [approvalId]);
    const statuses = rows.map((r) => r.status);
    if (done(statuses) || Date.now() > end) return statuses;
  }
}

it('decide, stop, redeliver refused, nothing sent, stop off, the callback arrives once', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const approver = await seed.newKey();
  const hook = (await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/hook`, events: ['approval.approved'] }).expect(201)).body;
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/callback` })).expect(201)).body;

  const decided = await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
  expect(decided.body.callback_delivered).toBe(false);
  await admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
  // An attempt claimed before the stop committed may still be on its way (its row is 'delivering'
  // until it lands or is given back): let it settle.
  await statusesOnce(a.id, (statuses) => !statuses.includes('delivering'));
  const before = receiver.received.length;

  const { rows: deliveries } = await server.db.query<{ id: string; target: string }>(`SELECT id, kind AS target FROM deliveries WHERE approval_id = $1 ORDER BY seq`, [a.id]);
  expect(deliveries.map((d) => d.target).sort()).toEqual(['callback', 'subscription']);
  const stopped = { code: 'EMERGENCY_STOP', message: 'the emergency stop is on for this organization: approval requests cannot be changed until an admin turns it off' };
  for (const d of deliveries) {
    expect((await server.http(seed.key).post(`/api/v1/deliveries/${d.id}/redeliver`).expect(503)).body.error).toMatchObject(stopped);
  }
  expect((await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/other`, events: ['approval.approved'] }).expect(503)).body.error).toMatchObject(stopped);
  await server.http(seed.key).post(`/api/v1/webhooks/${hook.id}/rotate-secret`).expect(503);
  await server.http(seed.key).delete(`/api/v1/webhooks/${hook.id}`).expect(503);
  await server.http(seed.key).post('/api/v1/callback-secret/rotate').expect(503);

  // The held rows are due all along and the workers sweep every 100 ms: six sweeps pass, and nothing
  // is sent, and nothing is dropped.
  await sleep(600);
  expect(receiver.received.length).toBe(before);
  const held = await server.db.query<{ status: string }>(`SELECT status FROM deliveries WHERE approval_id = $1`, [a.id]);
  expect(held.rows.map((r) => r.status)).toEqual(['pending', 'pending']);

  accepting = true;
  await admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
  await receiver.until(() => receiver.received.filter((r) => r.answered && r.at > 0).length >= before + 2, 10_000);
  // Delivered rows are never claimed again: once both are, nothing more can arrive.
  await statusesOnce(a.id, (statuses) => statuses.every((s) => s === 'delivered'));
  const after = receiver.received.slice(before);
  expect(after.filter((r) => r.headers['webhook-id'] === deliveries.find((d) => d.target === 'callback')!.id)).toHaveLength(1);
  expect(after.filter((r) => r.headers['webhook-id'] === deliveries.find((d) => d.target === 'subscription')!.id)).toHaveLength(1);
  expect(after).toHaveLength(2);
  const done = await server.db.query<{ status: string }>(`SELECT status FROM deliveries WHERE approval_id = $1`, [a.id]);
  expect(done.rows.map((r) => r.status)).toEqual(['delivered', 'delivered']);
});
