/**
 * A decision's statement claims its callback for the deciding process (greenlight_decide). If that process
 * dies before the attempt, nothing is lost: the claim lapses at the lease's end and a worker makes the
 * attempt under the next attempt number, with the same webhook-id and a body built from the database.
 */
import { generateSecret } from '../../channels/webhook/signer.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { claimedFromJson } from './outbox.ts';
import { decide } from '../../core/approvals/index.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { tableAccess } from '../../testing/table-access.ts';
import { secretKeys } from '../../security/sealed.ts';

/** A connection's key as the API authenticates it, for calling decide() the way the route does. */
const keyAuth = (org: Awaited<ReturnType<typeof seedOrg>>['org'], connectionId: string, name: string) => ({
  org: { ...org, emergency_stop: false },
  principal: { type: 'connection' as const, id: connectionId, name },
  connection: null,
  user: null,
  scopes: ['approvals:write' as const],
  rateLimitKey: `conn:${connectionId}`,
  rateLimit: 10_000,
});

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

describe("a decision's claim of its callback", () => {
  it('is held for the lease, then taken over by the worker when the claimer never attempts', async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/cb` })).expect(201)).body;
    const auth = keyAuth(seed.org, decider.connectionId, 'decider');
    // A process that decides and claims, then dies before sending: the claim is simply never used.
    const t0 = Date.now();
    const decided = await decide(server.db, auth, created.id, { decision: 'approve' }, { claimCallback: { leaseMs: 600 } });
    expect(decided.approval.status).toBe('approved');
    expect(decided.callback).not.toBeNull();
    expect(claimedFromJson(decided.callback!.delivery)).toMatchObject({ attempt: 1, channel: 'webhook', kind: 'callback', payload: { url: `${receiver.url}/cb` } });
    // The org has no callback secret yet: the attempt makes it, so the decision hands none over.
    expect(decided.callback!.secrets).toBeNull();

    const { rows } = await server.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM deliveries WHERE id = $1', [
      decided.callback!.delivery.id,
    ]);
    expect(rows[0]).toEqual({ status: 'delivering', attempts: 1 });

    // The sweep runs every 100 ms, but the row is the claimer's until its lease ends.
    await receiver.until(() => receiver.received.some((r) => r.id === decided.callback!.delivery.id), 5_000);
    const got = receiver.received.find((r) => r.id === decided.callback!.delivery.id)!;
    expect(got.at - t0).toBeGreaterThanOrEqual(550);
    expect(got.attempt).toBe(2);
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({ type: 'approval.approved', data: { approval_id: created.id, approval: { status: 'approved' } } });
    expect(body.data.details.approved_content_sha256).toBe(created.approved_content_sha256);
    // The worker's attempt is recorded as the second (just after the receiver answered), and the row is settled.
    const settled = async () =>
      (
        await server.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM deliveries WHERE id = $1', [
          decided.callback!.delivery.id,
        ])
      ).rows[0];
    await expect.poll(settled, { timeout: 2_000 }).toEqual({ status: 'delivered', attempts: 2 });
  });

  it('is written claimed, in one insert and no update, and claims nothing else its transaction queues afterwards', async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const first = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/w1` })).expect(201)).body;
    const second = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/w2` })).expect(201)).body;
    const auth = keyAuth(seed.org, decider.connectionId, 'decider');
    const { decided, writes, later } = await server.db.transaction(async (tx) => {
      const { result: decided, access } = await tableAccess(tx, ['deliveries'], () =>
        decide(tx, auth, first.id, { decision: 'approve' }, { claimCallback: { leaseMs: 60_000 } }),
      );
      // A decision made without a claim later in the same transaction: its callback waits for the worker.
      const later = await decide(tx, auth, second.id, { decision: 'reject' });
      return { decided, writes: { ins: access.ins, upd: access.upd }, later };
    });
    expect(writes).toEqual({ ins: 1, upd: 0 });
    expect(claimedFromJson(decided.callback!.delivery)).toMatchObject({ attempt: 1, approval_id: first.id, event_type: 'approval.approved' });
    expect(later.callback).toBeNull();
    const { rows } = await server.db.query<{ status: string; attempts: number; lease_left: boolean }>(
      `SELECT status, attempts, lease_until > now() + interval '50 seconds' AS lease_left FROM deliveries
        WHERE approval_id = $1 AND channel = 'webhook' AND kind = 'callback'`,
      [first.id],
    );
    expect(rows).toEqual([{ status: 'delivering', attempts: 1, lease_left: true }]);
    // The second request's callback was queued unclaimed: the worker sends it at once, as its first attempt
    // (claimed for the minute's lease, it would wait that long and come as the second).
    await receiver.until(() => receiver.received.some((r) => r.body.includes(second.id)), 5_000);
    expect(receiver.received.find((r) => r.body.includes(second.id))!.attempt).toBe(1);
  });

  it("hands its caller the claimed row, and whether the worker has work, without reading the outbox back", async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    // The vote as the API's decision sends it (core/approvals/state-machine.ts): a key's vote without input.
    const vote = (approval: string) =>
      JSON.stringify({
        org: seed.org.id, approval, step: null, actor_type: 'connection', actor_id: decider.connectionId, actor_name: 'decider',
        user_id: null, user_role: null, decision: 'approve', comment: null, source: null, fast: true, content_sha256: null,
        answer: null, answer_refusal: null, step_up_missing: false, lease_ms: 60_000, new_secret: secretKeys().seal(generateSecret()), notify: false,
      });
    const decideOnce = (approval: string) =>
      server.db.transaction((tx) =>
        tableAccess(tx, ['deliveries'], async () =>
          (await tx.query<{ delivery: Record<string, unknown> | null; wake_worker: boolean }>('SELECT r.delivery, r.wake_worker FROM greenlight_decide($1) AS r', [vote(approval)])).rows[0]!,
        ),
      );
    const stored = async (id: unknown) => (await server.db.query<{ d: Record<string, unknown> }>('SELECT to_json(d) AS d FROM deliveries d WHERE d.id = $1', [id])).rows[0]!.d;

    // Only its callback queued, and claimed: nothing for the worker.
    const alone = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/alone` })).expect(201)).body;
    const first = await decideOnce(alone.id);
    expect(first.access).toMatchObject({ seq: 0, idx: 0, ins: 1 });
    expect(first.result.wake_worker).toBe(false);
    expect(first.result.delivery).toEqual(await stored(first.result.delivery!.id));
    expect(first.result.delivery).toMatchObject({ status: 'delivering', attempts: 1, kind: 'callback', approval_id: alone.id });

    // A subscription to the decision queues a row for the worker beside the claimed callback.
    await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${receiver.url}/subscribed`, events: ['approval.approved'] }).expect(201);
    const watched = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/watched` })).expect(201)).body;
    const second = await decideOnce(watched.id);
    expect(second.access).toMatchObject({ seq: 0, idx: 0, ins: 2 });
    expect(second.result.wake_worker).toBe(true);
    expect(second.result.delivery).toEqual(await stored(second.result.delivery!.id));
    expect(second.result.delivery).toMatchObject({ status: 'delivering', kind: 'callback', approval_id: watched.id });
  });

  it('is not made when the decision leaves the request pending, and nothing is claimed for a request without callback_url', async () => {
    const seed = await seedOrg(server.db);
    const a = await seed.newKey();
    const withQuorum = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${receiver.url}/q`, required_approvals: 2 })).expect(201)).body;
    const auth = keyAuth(seed.org, a.connectionId, 'a');
    const vote = await decide(server.db, auth, withQuorum.id, { decision: 'approve' }, { claimCallback: { leaseMs: 60_000 } });
    expect(vote.approval).toMatchObject({ status: 'pending', current_approvals: 1 });
    expect(vote.callback).toBeNull();

    const plain = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    const decided = await decide(server.db, auth, plain.id, { decision: 'reject' }, { claimCallback: { leaseMs: 60_000 } });
    expect(decided.approval.status).toBe('rejected');
    expect(decided.callback).toBeNull();
  });
});
