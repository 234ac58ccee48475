/**
 * A notification's expansion reads before its transaction (Channel.settleReads) and writes right
 * behind its attempt's record, before the record says whether the claim held: a claimer whose claim
 * was lost meanwhile queues nothing and starts no clock (its writes are rolled back, its attempt still
 * logged), and the claimer that holds the row expands it once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { handRuntime } from '../testing/outbox.ts';
import { claimDue } from '../delivery/outbox/outbox.ts';
import { register, runAttempt, type OutboxRuntime } from '../delivery/outbox/attempt.ts';
import { emailChannel } from '../channels/email/email-channel.ts';
import { notifyChannel } from './notify-channel.ts';

let server: TestServer;
let rt: OutboxRuntime;

beforeAll(async () => {
  // No worker: the test claims and attempts by hand, and nothing is sent. Email configured, so a
  // request queues its notification and people who chose email are told.
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false', GREENLIGHT_SMTP_URL: 'smtp://127.0.0.1:9', GREENLIGHT_MAIL_FROM: 'greenlight@example.test' } });
  const email = register(emailChannel({ enabled: true, publicUrl: 'https://greenlight.example.test' }));
  rt = handRuntime(server.db, [email, register(notifyChannel({ channels: [email], graceMs: 0 }))]);
}, 60_000);
afterAll(() => server.stop());

it('a claim lost before the record: the attempt is logged, nothing is queued and no clock starts; the holder expands once', async () => {
  const seed = await seedOrg(server.db);
  await server.db.query(`UPDATE orgs SET reminder_policy = '{"remind":{"after":"1h"}}' WHERE id = $1`, [seed.org.id]);
  const alice = await seed.addUser('approver');
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  const [row] = (await claimDue(server.db, 100, 30_000)).filter((d) => d.approval_id === a.id && d.channel === 'notify');
  expect(row).toBeDefined();

  // Another claimer took the row after this one's lease ran out.
  await server.db.query('UPDATE deliveries SET attempts = attempts + 1 WHERE id = $1', [row!.id]);
  expect(await runAttempt(rt, row!)).toBeNull();
  const count = async (sql: string) => (await server.db.query<{ n: number }>(sql, [a.id])).rows[0]!.n;
  expect(await count(`SELECT count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'email'`)).toBe(0);
  expect(await count('SELECT count(*)::int AS n FROM timers WHERE approval_id = $1')).toBe(0);
  const { rows: logged } = await server.db.query<{ attempt: number }>('SELECT attempt FROM delivery_attempts WHERE delivery_id = $1', [row!.id]);
  expect(logged.map((l) => l.attempt)).toEqual([1]);

  // The claimer that holds it now expands it: alice is told once, and the step's reminder clock starts.
  expect(await runAttempt(rt, { ...row!, attempt: 2 })).toEqual({ kind: 'delivered' });
  const { rows: told } = await server.db.query<{ recipient_user_id: string }>(`SELECT recipient_user_id FROM deliveries WHERE approval_id = $1 AND channel = 'email'`, [a.id]);
  expect(told.map((t) => t.recipient_user_id)).toContain(alice.id);
  expect(new Set(told.map((t) => t.recipient_user_id)).size).toBe(told.length);
  expect(await count(`SELECT count(*)::int AS n FROM timers WHERE approval_id = $1 AND kind = 'remind'`)).toBe(1);
});
