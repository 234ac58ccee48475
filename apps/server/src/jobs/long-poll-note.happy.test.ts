/**
 * What a long poll reads and writes when it begins (beginPollWait): the request, the poll's row and
 * the request's waiter present, by one statement that commits as it ends. A transaction there held the request's row
 * across a round trip to the waiting process, and the request's decision waited behind it. A request
 * flagged gone is cleared in a transaction with its `approval.waiter_returned` event. When it ends, a
 * wait on a request still pending moves the silence's start to now; one answered by the decision
 * writes nothing, and the prober closes its poll row as it does every decided request's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../storage/database.ts';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { until } from '../testing/until.ts';
import { httpSender } from '../channels/webhook/http-sender.ts';
import { beginPollWait, probeDueWaiters } from './waiter-probes.ts';

let server: TestServer;
beforeAll(async () => {
  // The server's own prober is slowed down: the test runs it when a row is due.
  server = await startTestServer({ config: { GREENLIGHT_WAITER_POLL_MS: '3600000' } });
}, 60_000);
afterAll(async () => {
  await server.stop();
}, 60_000);

/** The server's database, counting the transactions begun and the statements sent through it. */
function counting(db: Database): { db: Database; transactions: () => number; statements: () => number } {
  let n = 0;
  let q = 0;
  const wrapped = new Proxy(db, {
    get(target, key) {
      if (key === 'transaction') {
        return (...args: Parameters<Database['transaction']>) => {
          n++;
          return target.transaction(...args);
        };
      }
      if (key === 'query') {
        return (...args: Parameters<Database['query']>) => {
          q++;
          return target.query(...args);
        };
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db: wrapped, transactions: () => n, statements: () => q };
}

describe("a long poll's note when it begins", () => {
  const start = (db: Database, approvalId: string, orgId: string) => beginPollWait(db, { approvalId, orgId, timeoutMs: 1000, goneAfterMs: 60_000 });
  const stateOf = async (id: string) =>
    (await server.db.query<{ waiter_state: string | null; waiter_reason: string | null }>('SELECT waiter_state, waiter_reason FROM approvals WHERE id = $1', [id])).rows[0]!;
  const probeOf = async (id: string) => (await server.db.query<{ kind: string }>('SELECT kind FROM waiter_probes WHERE approval_id = $1', [id])).rows[0];
  const eventTypes = async (id: string) => (await server.db.query<{ type: string }>('SELECT type FROM events WHERE approval_id = $1 ORDER BY id', [id])).rows.map((r) => r.type);

  it('reads the request, marks the waiter present and writes the poll row by one statement, without a transaction, and again changes nothing', async () => {
    const seed = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
    const c = counting(server.db);
    const begun = await start(c.db, id, seed.org.id);
    expect(c.statements()).toBe(1);
    // The row as it was read, before the note: what the wait answers with if it ends at once.
    expect(begun).toMatchObject({ noted: true, row: { id, org_id: seed.org.id, status: 'pending', waiter_state: null } });
    expect(await stateOf(id)).toEqual({ waiter_state: 'present', waiter_reason: 'waited on by long poll' });
    expect(await probeOf(id)).toEqual({ kind: 'poll' });
    await start(c.db, id, seed.org.id);
    expect(c.statements()).toBe(2);
    expect(c.transactions()).toBe(0);
    expect(await eventTypes(id)).toEqual(['approval.created']);
  });

  it('clears a waiter flagged gone in a transaction with its waiter_returned event, once', async () => {
    const seed = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
    await server.db.query(`UPDATE approvals SET waiter_state = 'gone', waiter_reason = 'nobody waited' WHERE id = $1`, [id]);
    const c = counting(server.db);
    await start(c.db, id, seed.org.id);
    expect(c.transactions()).toBe(1);
    expect(await stateOf(id)).toEqual({ waiter_state: 'present', waiter_reason: 'waited on by long poll' });
    await start(c.db, id, seed.org.id);
    expect(c.transactions()).toBe(1);
    expect(await eventTypes(id)).toEqual(['approval.created', 'approval.waiter_returned']);
  });

  it("reads nothing and writes nothing for another org's request", async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
    expect(await start(server.db, id, other.org.id)).toBeUndefined();
    expect((await stateOf(id)).waiter_state).toBeNull();
    expect(await probeOf(id)).toBeUndefined();
    const waited = await server.http(other.key).get(`/api/v1/approvals/${id}/wait?timeout=1`);
    expect(waited.status).toBe(404);
    expect(await probeOf(id)).toBeUndefined();
  });

  it('marks nothing on a request with a callback or one already decided', async () => {
    const seed = await seedOrg(server.db);
    const withCallback = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'https://example.test/cb' })).expect(201)).body.id as string;
    const decided = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
    const decider = await seed.newKey();
    await server.http(decider.key).patch(`/api/v1/approvals/${decided}`).send({ decision: 'reject' }).expect(200);
    await server.db.query(`UPDATE approvals SET waiter_state = 'gone' WHERE id = $1`, [decided]);
    const c = counting(server.db);
    expect(await start(c.db, withCallback, seed.org.id)).toMatchObject({ noted: false, row: { id: withCallback, status: 'pending' } });
    expect(await start(c.db, decided, seed.org.id)).toMatchObject({ noted: false, row: { id: decided, status: 'rejected' } });
    // A callback request keeps the probe row its create wrote; a decided one gets none.
    expect(await probeOf(withCallback)).toEqual({ kind: 'callback' });
    expect(await probeOf(decided)).toBeUndefined();
    expect((await stateOf(withCallback)).waiter_state).toBeNull();
    expect((await stateOf(decided)).waiter_state).toBe('gone');
    expect(await eventTypes(decided)).not.toContain('approval.waiter_returned');
  });
});

describe("a long poll's note when it ends", () => {
  const pollRow = async (id: string) =>
    (await server.db.query<{ last_waited_at: Date; done_at: Date | null }>(`SELECT last_waited_at, done_at FROM waiter_probes WHERE approval_id = $1 AND kind = 'poll'`, [id])).rows[0];

  it('moves the silence on when the wait times out on a pending request', async () => {
    const seed = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
    const sent = Date.now();
    const waited = await server.http(seed.key).get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(200);
    expect(waited.body).toMatchObject({ status: 'pending', timed_out: true });
    // Written as the wait ended (its answer waits for it), so a second after it began.
    expect((await pollRow(id))!.last_waited_at.getTime()).toBeGreaterThanOrEqual(sent + 900);
  });

  it('writes nothing when the decision answers it; the prober then closes the poll row', async () => {
    const seed = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
    const waiting = server.http(seed.key).get(`/api/v1/approvals/${id}/wait?timeout=30`).then((r) => r);
    const started = await until(() => pollRow(id));
    const decider = await seed.newKey();
    await server.http(decider.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: 'approved', timed_out: false });
    expect(await pollRow(id)).toEqual(started);
    await server.db.query('UPDATE waiter_probes SET next_probe_at = now() WHERE approval_id = $1', [id]);
    await probeDueWaiters({ db: server.db, sender: httpSender({ guard: { allowCidrs: [] }, timeoutMs: 1000 }), mail: false, config: server.deps.config });
    expect((await pollRow(id))!.done_at).not.toBeNull();
  });
});
