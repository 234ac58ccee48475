/**
 * Email reads the emergency stop beside its prepare (Channel.keepsNothing), not after it: an email
 * claimed before the stop still goes nowhere while the stop is on, and goes once after it ends, with
 * the decision links its held attempt made (a real SMTP server; rows claimed and attempted by hand).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtp.ts';
import { handRuntime } from '../../testing/outbox.ts';
import { linkIn } from '../../testing/decision-links.ts';
import { setEmergencyStop } from '../../modules/orgs/create-org.ts';
import { claimDue } from '../../delivery/outbox/outbox.ts';
import { register, runAttempt, type OutboxRuntime } from '../../delivery/outbox/attempt.ts';
import { notifyChannel } from '../../notify/notify-channel.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { emailChannel } from './email-channel.ts';
import { smtpMailer, type Mailer } from './email-sender.ts';

let server: TestServer;
let smtp: TestSmtpServer;
let mailer: Mailer;
let rt: OutboxRuntime;

beforeAll(async () => {
  smtp = await startSmtpServer();
  // No worker: the test claims and attempts by hand.
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false', GREENLIGHT_SMTP_URL: smtp.url, GREENLIGHT_MAIL_FROM: 'greenlight@example.test' } });
  mailer = smtpMailer({ smtpUrl: smtp.url, from: 'greenlight@example.test' }, 5_000);
  const email = register(emailChannel({ mailer, enabled: true, publicUrl: 'https://greenlight.example.test' }));
  rt = handRuntime(server.db, [email, register(notifyChannel({ channels: [email], graceMs: 0 }))]);
}, 60_000);

afterAll(async () => {
  mailer?.close();
  await server?.stop();
  await smtp?.close();
});

/** Claims what is due now and keeps this request's rows of one channel. */
async function claim(approvalId: string, channel: string) {
  return (await claimDue(server.db, 100, 30_000)).filter((d) => d.approval_id === approvalId && d.channel === channel);
}

it('an email claimed before the stop is not sent while it is on, then sent once with the links its held attempt made', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver', `alice-${seed.org.slug}@example.test`);
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };

  const [note] = await claim(a.id, 'notify');
  expect(await runAttempt(rt, note!)).toEqual({ kind: 'delivered' });
  const emails = await claim(a.id, 'email');
  expect(emails.map((e) => e.recipient_user_id)).toContain(alice.id);
  const toAlice = emails.find((e) => e.recipient_user_id === alice.id)!;
  await setEmergencyStop(server.db, seed.org.id, true);

  for (const e of emails) expect(await runAttempt(rt, e)).toBeNull();
  const { rows: held } = await server.db.query<{ status: string; attempts: number }>('SELECT status, attempts FROM deliveries WHERE id = $1', [toAlice.id]);
  expect(held[0]).toEqual({ status: 'pending', attempts: 0 });
  expect(await claim(a.id, 'email')).toEqual([]);
  const { rows: madeWhileHeld } = await server.db.query<{ token_hash: string; decision: string }>(
    'SELECT token_hash, decision FROM decision_links WHERE delivery_id = $1 ORDER BY decision',
    [toAlice.id],
  );
  expect(madeWhileHeld.map((l) => l.decision)).toEqual(['approve', 'reject']);
  expect(smtp.to(alice.email)).toEqual([]);

  await setEmergencyStop(server.db, seed.org.id, false);
  const again = await claim(a.id, 'email');
  for (const e of again) expect(await runAttempt(rt, e)).toEqual({ kind: 'delivered' });
  await smtp.until(() => smtp.to(alice.email).length === 1);
  const text = smtp.to(alice.email)[0]!.text;
  const sentHash = (label: 'Approve' | 'Reject') => sha256Hex(linkIn(text, label).split('/').at(-1)!);
  expect([sentHash('Approve'), sentHash('Reject')]).toEqual(madeWhileHeld.map((l) => l.token_hash));
  const { rows: links } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM decision_links WHERE delivery_id = $1', [toAlice.id]);
  expect(links[0]!.n).toBe(2);
});

it('a request decided after its email was held: nothing is sent after the stop ends, and the row closes as gone', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver', `alice-${seed.org.slug}@example.test`);
  const approver = await seed.newKey();
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  const [note] = await claim(a.id, 'notify');
  await runAttempt(rt, note!);
  const emails = await claim(a.id, 'email');
  await setEmergencyStop(server.db, seed.org.id, true);
  for (const e of emails) expect(await runAttempt(rt, e)).toBeNull();

  await setEmergencyStop(server.db, seed.org.id, false);
  await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
  for (const e of await claim(a.id, 'email')) expect(await runAttempt(rt, e)).toBeNull();
  const { rows } = await server.db.query<{ status: string }>(`SELECT status FROM deliveries WHERE approval_id = $1 AND channel = 'email'`, [a.id]);
  expect(rows.map((r) => r.status)).toEqual(emails.map(() => 'gone'));
  expect(smtp.to(alice.email)).toEqual([]);
});
