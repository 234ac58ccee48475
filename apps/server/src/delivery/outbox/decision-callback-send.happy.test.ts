/**
 * A decision's callback leaves without a round trip after the decision: the decision's statement read
 * the emergency stop under the org's lock and claimed the row, so the first attempt does not read the
 * stop again, and what it keeps for its retries is issued before the message is sent, not waited for
 * first. The bytes kept are those sent, and a retry sends them again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { statementsDuring, type StatementStep } from '../../testing/statements.ts';

let server: TestServer;
let receiver: TestReceiver;
/** Paths whose first attempt the receiver refuses (503). */
const failFirst = new Set<string>();
let onArrival: ((path: string) => void) | undefined;
beforeAll(async () => {
  receiver = await startReceiver((r) => {
    onArrival?.(r.path);
    return { status: failFirst.has(r.path) && r.attempt === 1 ? 503 : 200 };
  });
  server = await startTestServer({
    config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_DELIVERY_SCHEDULE: '0,100ms' },
  });
}, 60_000);
afterAll(async () => {
  await server.stop();
  await receiver.close();
}, 60_000);

const stepsOf = (steps: StatementStep[], prepare: string) => steps.filter((s) => s.prepare === prepare);
const storedBody = async (approvalId: string) =>
  (
    await server.db.query<{ id: string; body: string | null; status: string; attempts: number }>(
      `SELECT id, body, status, attempts FROM deliveries WHERE approval_id = $1 AND channel = 'webhook' AND kind = 'callback'`,
      [approvalId],
    )
  ).rows[0]!;

it("goes out with no read of the stop after the decision, and its bytes are kept as it is sent", async () => {
  const seed = await seedOrg(server.db);
  const approver = await seed.newKey();
  const path = `/cb/${Math.random().toString(36).slice(2)}`;
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}${path}` })).expect(201)).body;

  const { result: decided, steps } = await statementsDuring(server.db, async (mark) => {
    onArrival = (p) => p === path && mark('callback arrived');
    try {
      return (await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200)).body;
    } finally {
      onArrival = undefined;
    }
  });
  expect(decided.callback_delivered).toBe(true);

  const order = steps.map((s) => `${s.step} ${s.prepare ?? s.text}`);
  // No read of the stop between the decision and the callback (the worker's own statements may run meanwhile).
  expect(stepsOf(steps, 'outbox_before_send')).toEqual([]);
  const decidedAt = order.indexOf('answered decide_approval');
  const arrivedAt = order.indexOf('mark callback arrived');
  const keptAt = order.indexOf('issued outbox_keep');
  expect(decidedAt).toBeGreaterThanOrEqual(0);
  expect(arrivedAt).toBeGreaterThan(decidedAt);
  // What retries would send is on its way to the database before the message leaves.
  expect(keptAt).toBeGreaterThan(decidedAt);
  expect(keptAt).toBeLessThan(arrivedAt);

  const got = receiver.received.filter((r) => r.path === path);
  expect(got).toHaveLength(1);
  const row = await storedBody(a.id);
  expect(row).toEqual({ id: got[0]!.id, body: got[0]!.body, status: 'delivered', attempts: 1 });
  expect(JSON.parse(got[0]!.body)).toMatchObject({ type: 'approval.approved', data: { approval_id: a.id } });
});

it('a retry of a first attempt the receiver refused sends the bytes that attempt kept, under the same id', async () => {
  const seed = await seedOrg(server.db);
  const approver = await seed.newKey();
  const path = `/cb/${Math.random().toString(36).slice(2)}`;
  failFirst.add(path);
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}${path}` })).expect(201)).body;
  const decided = (await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200)).body;
  expect(decided.callback_delivered).toBe(false);
  const first = receiver.received.filter((r) => r.path === path);
  expect(first).toHaveLength(1);
  expect((await storedBody(a.id)).body).toBe(first[0]!.body);

  // The request changes before the retry: the retry still sends what the first attempt sent.
  await server.http(seed.key).post(`/api/v1/approvals/${a.id}/execution`).send({ status: 'succeeded' }).expect(200);
  const sameId = () => receiver.received.filter((r) => r.id === first[0]!.id);
  await receiver.until(() => sameId().length >= 2, 10_000);
  const both = sameId();
  expect(both.map((r) => r.attempt)).toEqual([1, 2]);
  expect(both[1]!.body).toBe(both[0]!.body);
  await expect.poll(async () => (await storedBody(a.id)).status, { timeout: 5_000 }).toBe('delivered');
});
