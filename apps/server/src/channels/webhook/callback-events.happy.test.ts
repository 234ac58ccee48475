/**
 * A request's callback_url receives exactly the events of the contract's CALLBACK_EVENT_TYPES, the
 * list the fan-out sends from (storage/functions/greenlight_event_lists.sql is generated from it):
 * every one of them that happens to a request, once, and none of the others that happen to it
 * (its creation, comments, votes, steps, receipts).
 */
import { expect, it } from 'vitest';
import { CALLBACK_EVENT_TYPES, type WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, type TestServer } from '../../testing/harness.ts';
import { useCallbackServer } from '../../testing/callback-world.ts';
import { signedIn } from '../../testing/session.ts';
import { expireDue } from '../../core/approvals/index.ts';

let server: TestServer;
const { receiver } = useCallbackServer((s) => (server = s), { GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms', GREENLIGHT_DELIVERY_SWEEP_MS: '100' });

it("a callback receiver gets exactly the contract's CALLBACK_EVENT_TYPES: each that happens to its request, once, and nothing else", async () => {
  const seed = await seedOrg(server.db);
  const alice = await signedIn(server, seed, 'approver');
  const approver = await seed.newKey();
  const r = await receiver();
  const create = async (path: string, extra: Record<string, unknown> = {}) =>
    ((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: `${r.url}/${path}`, ...extra })).expect(201)).body as { id: string }).id;

  // Commented on, voted twice, approved, its execution reported.
  const approved = await create('approved', { required_approvals: 2 });
  await server.http(seed.key).post(`/api/v1/approvals/${approved}/comments`).send({ body: 'looks fine' }).expect(201);
  await server.http(approver.key).patch(`/api/v1/approvals/${approved}`).send({ decision: 'approve' }).expect(200);
  await server.http((await seed.newKey()).key).patch(`/api/v1/approvals/${approved}`).send({ decision: 'approve' }).expect(200);
  await server.http(seed.key).post(`/api/v1/approvals/${approved}/execution`).send({ status: 'succeeded' }).expect(200);
  // Approved, then the approval revoked within its window.
  const revoked = await create('revoked', { revocable_for_seconds: 600 });
  await server.http(approver.key).patch(`/api/v1/approvals/${revoked}`).send({ decision: 'approve' }).expect(200);
  await server.http(approver.key).post(`/api/v1/approvals/${revoked}/revoke`).send({ reason: 'wrong account' }).expect(200);
  // Steps named after the create, the step rejected.
  const rejected = await create('rejected');
  await server.http(seed.key).post(`/api/v1/approvals/${rejected}/steps`).send({ steps: [{ step_order: 1, approver_id: alice.user.id }] }).expect(201);
  await alice.http().patch(`/api/v1/approvals/${rejected}`).send({ decision: 'reject' }).expect(200);
  const cancelled = await create('cancelled');
  await server.http(seed.key).delete(`/api/v1/approvals/${cancelled}`).expect(200);
  const expired = await create('expired', { expires_at: new Date(Date.now() + 200).toISOString() });
  await new Promise((res) => setTimeout(res, 300));
  await expireDue(server.db);

  const ids = [approved, revoked, rejected, cancelled, expired];
  const { rows: events } = await server.db.query<{ approval_id: string; type: string }>('SELECT approval_id, type FROM events WHERE approval_id = ANY ($1::uuid[]) ORDER BY id', [ids]);
  const listed = new Set<string>(CALLBACK_EVENT_TYPES);
  const expected = events.filter((e) => listed.has(e.type));
  await r.until(() => r.received.length >= expected.length);
  for (let i = 0; i < 100; i++) {
    const { rows } = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE approval_id = ANY ($1::uuid[]) AND status IN ('pending', 'delivering')`, [ids]);
    if (rows[0]!.n === 0) break;
    await new Promise((res) => setTimeout(res, 50));
  }

  const got = r.received.map((m) => JSON.parse(m.body) as WebhookPayload).map((p) => ({ approval_id: p.data.approval_id!, type: p.type }));
  const key = (e: { approval_id: string; type: string }) => `${e.approval_id} ${e.type}`;
  expect(got.map(key).sort()).toEqual(expected.map(key).sort());
  // Every type of the list happened here and arrived; the others happened too, and did not.
  expect([...new Set(got.map((e) => e.type))].sort()).toEqual([...CALLBACK_EVENT_TYPES].sort());
  const unsent = new Set(events.map((e) => e.type).filter((t) => !listed.has(t)));
  for (const t of ['approval.created', 'comment.created', 'approval.vote_recorded', 'approval.execution_reported', 'steps.configured']) expect(unsent).toContain(t);
});
