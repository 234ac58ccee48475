/**
 * An attempt whose outcome changes nothing besides its row (Channel.settles) is recorded by one
 * statement, without a transaction around it; one that changes something (a callback answered 404
 * flags the request's waiter as gone) is recorded in a transaction with it. Either way the attempt is
 * logged, also by a claimer whose claim was lost, which changes nothing else.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { handRuntime } from '../../testing/outbox.ts';
import type { Database } from '../../storage/database.ts';
import { claimDue } from './outbox.ts';
import { register, runAttempt } from './attempt.ts';
import { webhookChannel } from '../../channels/webhook/webhook-channel.ts';

let server: TestServer;
beforeAll(async () => {
  // No worker: the test claims and attempts by hand.
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
}, 60_000);
afterAll(() => server.stop());

/** The server's database, counting the transactions begun through it. */
function counting(db: Database): { db: Database; transactions: () => number } {
  let n = 0;
  const wrapped = Object.create(db) as Database;
  wrapped.transaction = (fn, options) => {
    n++;
    return db.transaction(fn, options);
  };
  return { db: wrapped, transactions: () => n };
}

/** A decided request's callback row, claimed by hand, and a runtime whose sender answers `status`. */
async function claimedCallback(status: number) {
  const seed = await seedOrg(server.db);
  const approver = await seed.newKey();
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ callback_url: 'https://automation.example.com/cb' })).expect(201)).body as { id: string };
  await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
  const [row] = (await claimDue(server.db, 100, 30_000)).filter((d) => d.approval_id === a.id);
  const webhook = register(webhookChannel({ sender: async () => ({ startedAt: new Date(), durationMs: 1, statusCode: status, error: null, retryAfterMs: null }) }));
  const db = counting(server.db);
  return { approvalId: a.id, row: row!, rt: handRuntime(db.db, [webhook]), transactions: db.transactions };
}

const rowOf = async (id: string) =>
  (await server.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM deliveries WHERE id = $1', [id])).rows[0];
const attemptsLogged = async (id: string) =>
  (await server.db.query<{ attempt: number; status_code: number | null }>('SELECT attempt, status_code FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt', [id])).rows;

it('a delivered callback is recorded without a transaction', async () => {
  const { row, rt, transactions } = await claimedCallback(200);
  expect(await runAttempt(rt, row)).toEqual({ kind: 'delivered' });
  expect(transactions()).toBe(0);
  expect(await rowOf(row.id)).toEqual({ status: 'delivered', attempts: 1 });
  expect(await attemptsLogged(row.id)).toEqual([{ attempt: 1, status_code: 200 }]);
});

it('a callback answered 404 is recorded in one transaction with the waiter flagged gone', async () => {
  const { approvalId, row, rt, transactions } = await claimedCallback(404);
  expect(await runAttempt(rt, row)).toMatchObject({ kind: 'retry' });
  expect(transactions()).toBe(1);
  expect(await rowOf(row.id)).toEqual({ status: 'pending', attempts: 1 });
  const { rows } = await server.db.query<{ waiter_state: string | null }>('SELECT waiter_state FROM approvals WHERE id = $1', [approvalId]);
  expect(rows[0]!.waiter_state).toBe('gone');
});

it('a claim lost before a lone record: the attempt is logged and the row is left to its holder', async () => {
  const { row, rt } = await claimedCallback(200);
  // Another claimer took the row after this one's lease ran out.
  await server.db.query('UPDATE deliveries SET attempts = attempts + 1 WHERE id = $1', [row.id]);
  expect(await runAttempt(rt, row)).toBeNull();
  expect(await rowOf(row.id)).toEqual({ status: 'delivering', attempts: 2 });
  expect(await attemptsLogged(row.id)).toEqual([{ attempt: 1, status_code: 200 }]);
});
