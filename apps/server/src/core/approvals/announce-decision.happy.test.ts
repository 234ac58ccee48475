/**
 * A decision made on the database itself is announced by the statement sent right behind it on its
 * connection (ANNOUNCE_OUTCOME), as soon as it commits: every listener, this process's and another
 * process's, hears its outcome once, in the payload the event bus reads (notificationOf, built in SQL
 * by the generated greenlight_event_notification). A decision that fails announces nothing, and one
 * made inside a caller's transaction is announced after that transaction commits. A cancellation is
 * announced the same way; a revocation and an expiry, each a transaction of several statements, by
 * the statement sent behind their COMMIT (postgres.ts, AFTER_COMMIT).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_CHANNEL, notificationOf } from '../../events/event-bus.ts';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { decide, expireDue } from './index.ts';

let server: TestServer;
/** Every payload heard on the events channel by this process's listener, and by another process's (Postgres). */
const heard: string[] = [];
const heardElsewhere: string[] = [];
let unlisten: () => Promise<void>;
let other: pg.Client | null = null;
beforeAll(async () => {
  server = await startTestServer();
  unlisten = await server.db.listen(EVENTS_CHANNEL, (p) => heard.push(p));
  if (server.databaseUrl) {
    other = new pg.Client({ connectionString: server.databaseUrl });
    await other.connect();
    other.on('notification', (n) => heardElsewhere.push(n.payload ?? ''));
    await other.query(`LISTEN ${EVENTS_CHANNEL}`);
  }
}, 60_000);
afterAll(async () => {
  await unlisten();
  await other?.end();
  await server.stop();
}, 60_000);

/** The announcement of a request's outcome event, as the event bus reads it. */
async function outcomeOf(approvalId: string, types = ['approval.approved', 'approval.rejected', 'approval.cancelled']): Promise<string> {
  const { rows } = await server.db.query<{ org_id: string; id: string; type: string }>(
    `SELECT org_id, id::text, type FROM events WHERE approval_id = $1 AND type = ANY ($2::text[])`,
    [approvalId, types],
  );
  expect(rows).toHaveLength(1);
  return notificationOf({ orgId: rows[0]!.org_id, eventId: rows[0]!.id, approvalId, type: rows[0]!.type });
}

/** Resolves once every listener has heard `payload`. */
async function hearing(payload: string): Promise<void> {
  await expect.poll(() => heard.includes(payload) && (!other || heardElsewhere.includes(payload)), { timeout: 5_000 }).toBe(true);
}

/** What the process itself announces (Queryable.notify) while `work` runs. */
async function sentDuring(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const notify = server.db.notify;
  server.db.notify = (channel, payload, urgent) => {
    sent.push(payload);
    notify.call(server.db, channel, payload, urgent);
  };
  try {
    await work();
  } finally {
    server.db.notify = notify;
  }
  return sent;
}

/**
 * The payloads the process sends in NOTIFYs of its own (postgres.ts, notify_many) while `work` runs;
 * none on the embedded database, which has no other process to tell.
 */
async function notifiedDuring(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as { name?: string; values?: unknown[] } | undefined;
    if (q?.name === 'notify_many') sent.push(...(q.values![1] as string[]).flatMap((n) => n.split('\n')));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await work();
    // Whatever the work left queued goes out within the spacing.
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

const count = (list: string[], payload: string) => list.filter((p) => p === payload).length;

describe("a decision's announcement", () => {
  it("is the generated function's payload, the one notificationOf builds, with or without a request", async () => {
    const org = '6f1c2b8e-0d5a-4c3e-9b7a-1e2d3c4b5a69';
    const approval = 'a1b2c3d4-e5f6-4890-abcd-ef1234567890';
    const { rows } = await server.db.query<{ with_request: string; without: string }>(
      `SELECT greenlight_event_notification($1, 42, $2, 'approval.approved') AS with_request,
              greenlight_event_notification($1, 7, NULL, 'delivery.failed') AS without`,
      [org, approval],
    );
    expect(rows[0]).toEqual({
      with_request: notificationOf({ orgId: org, eventId: '42', approvalId: approval, type: 'approval.approved' }),
      without: notificationOf({ orgId: org, eventId: '7', approvalId: null, type: 'delivery.failed' }),
    });
  });

  it('is heard once by every listener; a refused decision announces nothing, and the next one its own', async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const first = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    const second = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;

    // The process itself sends nothing for the outcome (Queryable.notify): the follower did.
    const sent = await sentDuring(() => server.http(decider.key).patch(`/api/v1/approvals/${first.id}`).send({ decision: 'approve' }).expect(200));
    const firstOutcome = await outcomeOf(first.id);
    expect(sent).not.toContain(firstOutcome);
    await hearing(firstOutcome);
    // Refused: the request is decided. Its statement leaves nothing for the follower to send.
    await server.http(decider.key).patch(`/api/v1/approvals/${first.id}`).send({ decision: 'reject' }).expect(409);
    await server.http(decider.key).patch(`/api/v1/approvals/${second.id}`).send({ decision: 'reject' }).expect(200);
    const secondOutcome = await outcomeOf(second.id);
    await hearing(secondOutcome);
    // Announcements reach a listener in the order they were sent: whatever the first decision or the
    // refusal sent arrived before the second decision's.
    for (const list of other ? [heard, heardElsewhere] : [heard]) {
      expect(count(list, firstOutcome)).toBe(1);
      expect(count(list, secondOutcome)).toBe(1);
      const mine = list.filter((p) => (p.includes(first.id) || p.includes(second.id)) && !p.endsWith(':approval.created'));
      expect(mine).toEqual([firstOutcome, secondOutcome]);
    }
  });

  it('of a cancellation: sent by the follower, heard once by every listener; a refused cancellation announces nothing', async () => {
    const seed = await seedOrg(server.db);
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    const sent = await sentDuring(async () => {
      await server.http(seed.key).delete(`/api/v1/approvals/${created.id}`).expect(200);
      // Refused: no longer pending. Nothing is left in the session for the follower.
      await server.http(seed.key).delete(`/api/v1/approvals/${created.id}`).expect(409);
    });
    const outcome = await outcomeOf(created.id);
    expect(outcome.endsWith(':approval.cancelled')).toBe(true);
    expect(sent).not.toContain(outcome);
    await hearing(outcome);
    // A later announcement, heard after it, settles that nothing else was on its way.
    const later = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await server.http(seed.key).delete(`/api/v1/approvals/${later.id}`).expect(200);
    await hearing(await outcomeOf(later.id));
    for (const list of other ? [heard, heardElsewhere] : [heard]) {
      expect(count(list, outcome)).toBe(1);
      expect(list.filter((p) => p.includes(created.id) && !p.endsWith(':approval.created'))).toEqual([outcome]);
    }
  });

  it("made inside a caller's transaction, is announced once that transaction commits, once", async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    const auth = { org: seed.org, principal: { type: 'connection' as const, id: decider.connectionId, name: 'decider' }, user: null };
    const decided = await server.db.transaction((tx) => decide(tx, auth, created.id, { decision: 'approve' }));
    expect(decided.approval.status).toBe('approved');
    const outcome = await outcomeOf(created.id);
    await hearing(outcome);
    // A later announcement of this process, heard after it, settles that nothing else was on its way.
    const later = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await server.http(decider.key).patch(`/api/v1/approvals/${later.id}`).send({ decision: 'approve' }).expect(200);
    await hearing(await outcomeOf(later.id));
    expect(count(heard, outcome)).toBe(1);
    if (other) expect(count(heardElsewhere, outcome)).toBe(1);
  });

  it('of a revocation and of an expiry: sent behind their COMMIT, not by the process, heard once by every listener', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey({ name: 'approver' });
    const revoked = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ revocable_for_seconds: 300 })).expect(201)).body;
    await server.http(approver.key).patch(`/api/v1/approvals/${revoked.id}`).send({ decision: 'approve' }).expect(200);
    const expired = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ expires_at: new Date(Date.now() + 60_000).toISOString() })).expect(201)).body;
    await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);

    const sent = await notifiedDuring(async () => {
      await server.http(approver.key).post(`/api/v1/approvals/${revoked.id}/revoke`).send({ reason: 'changed my mind' }).expect(200);
      await expireDue(server.db);
    });
    const outcomes = [await outcomeOf(revoked.id, ['approval.revoked']), await outcomeOf(expired.id, ['approval.expired'])];
    for (const outcome of outcomes) {
      expect(sent).not.toContain(outcome);
      await hearing(outcome);
    }
    // A later announcement, heard after them, settles that nothing else was on its way.
    const later = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await server.http(seed.key).delete(`/api/v1/approvals/${later.id}`).expect(200);
    await hearing(await outcomeOf(later.id));
    for (const list of other ? [heard, heardElsewhere] : [heard]) for (const outcome of outcomes) expect(count(list, outcome)).toBe(1);
  });
});
