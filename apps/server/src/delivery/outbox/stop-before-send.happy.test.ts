/**
 * An attempt claimed before the emergency stop committed does not go out: the sender looks at the stop
 * right before sending, and gives the claim back, so the row is sent once the stop ends.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { handRuntime } from '../../testing/outbox.ts';
import { setEmergencyStop } from '../../modules/orgs/create-org.ts';
import { beforeSend, claimDue } from './outbox.ts';
import { register, runAttempt } from './attempt.ts';
import { webhookChannel } from '../../channels/webhook/webhook-channel.ts';
import type { OutgoingDelivery } from '../../channels/webhook/http-sender.ts';

let server: TestServer;
beforeAll(async () => {
  // No worker: the test claims and attempts by hand.
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
}, 60_000);
afterAll(() => server.stop());

it('a delivery claimed before the stop is not sent while the stop is on, and is sent once after it ends', async () => {
  const seed = await seedOrg(server.db);
  const approver = await seed.newKey();
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'https://automation.example.com/cb' })).expect(201)).body;
  await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);

  const sent: OutgoingDelivery[] = [];
  const webhook = register(
    webhookChannel({
      sender: async (d) => {
        sent.push(d);
        return { startedAt: new Date(), durationMs: 1, statusCode: 200, error: null, retryAfterMs: null };
      },
    }),
  );
  const rt = handRuntime(server.db, [webhook]);
  const claimed = (await claimDue(server.db, 100, 30_000)).filter((d) => d.approval_id === a.id);
  expect(claimed).toHaveLength(1);
  await setEmergencyStop(server.db, seed.org.id, true);

  expect(await runAttempt(rt, claimed[0]!)).toBeNull();
  expect(sent).toEqual([]);
  const { rows: held } = await server.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM deliveries WHERE id = $1', [claimed[0]!.id]);
  expect(held[0]).toEqual({ status: 'pending', attempts: 0 });
  expect((await claimDue(server.db, 100, 30_000)).filter((d) => d.approval_id === a.id)).toEqual([]);

  await setEmergencyStop(server.db, seed.org.id, false);
  const again = (await claimDue(server.db, 100, 30_000)).filter((d) => d.approval_id === a.id);
  expect(again.map((d) => d.attempt)).toEqual([1]);
  expect(await runAttempt(rt, again[0]!)).toEqual({ kind: 'delivered' });
  expect(sent.map((d) => d.headers['webhook-id'])).toEqual([claimed[0]!.id]);
});

it("a first attempt's bytes are kept as it sends; a claimer whose claim lapsed sends the kept bytes, and the stop holds the row", async () => {
  const seed = await seedOrg(server.db);
  const approver = await seed.newKey();
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'https://automation.example.com/cb' })).expect(201)).body;
  await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
  const [row] = (await claimDue(server.db, 100, 30_000)).filter((d) => d.approval_id === a.id);
  expect(row!.body).toBeNull();
  const stored = async () => (await server.db.query<{ body: string | null; status: string; attempts: number }>('SELECT body, status, attempts FROM deliveries WHERE id = $1', [row!.id])).rows[0];

  expect(await beforeSend(server.db, row!, 'first bytes')).toEqual({ held: false, body: 'first bytes' });
  expect(await stored()).toEqual({ body: 'first bytes', status: 'delivering', attempts: 1 });
  // Another claimer that built its own bytes, its claim gone: it sends what was kept.
  expect(await beforeSend(server.db, { ...row!, attempt: 7 }, 'other bytes')).toEqual({ held: false, body: 'first bytes' });
  // A retry keeps nothing and sends what is stored.
  expect(await beforeSend(server.db, { ...row!, body: 'first bytes' }, undefined)).toEqual({ held: false, body: 'first bytes' });

  await setEmergencyStop(server.db, seed.org.id, true);
  expect((await beforeSend(server.db, row!, 'late bytes')).held).toBe(true);
  expect(await stored()).toEqual({ body: 'first bytes', status: 'pending', attempts: 0 });
  await setEmergencyStop(server.db, seed.org.id, false);
});
