/**
 * Notification preferences as members and admins set them, and what they do to real email (a real
 * SMTP server): `digest_only` gets no message per request, quiet hours defer a message to their end
 * (never drop it), and the daily digest comes once a day across two workers.
 */
import { expect, it } from 'vitest';
import { DEFAULT_NOTIFICATION_PREFERENCES } from '@greenlight/contract';
import { approvalBody, seedOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import type { TestSmtpServer } from '../../testing/smtp.ts';
import { useMailServer } from '../../testing/mail-world.ts';
import { openPostgres } from '../../storage/postgres.ts';
import type { Database } from '../../storage/database.ts';
import { fireDueTimers, scheduleDigests } from '../../jobs/timers.ts';

let server: TestServer;
let smtp: TestSmtpServer;

useMailServer((s, m) => ([server, smtp] = [s, m]));

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

async function emailRows(approvalId: string) {
  const { rows } = await server.db.query<{ url: string; status: string; next_attempt_at: Date }>(
    `SELECT 'mailto:' || u.email AS url, d.status, d.next_attempt_at FROM deliveries d JOIN users u ON u.id = d.recipient_user_id
      WHERE d.approval_id = $1 AND d.channel = 'email' ORDER BY 1`,
    [approvalId],
  );
  return rows;
}

it('a member reads the org defaults until they choose their own; each change is in the audit log', async () => {
  const seed = await seedOrg(server.db);
  const alice = await signedIn(server, seed, 'approver');
  const first = (await alice.http().get('/api/v1/me/notification-preferences').expect(200)).body;
  expect(first).toEqual({ preferences: DEFAULT_NOTIFICATION_PREFERENCES, own: false, org_defaults: DEFAULT_NOTIFICATION_PREFERENCES });

  const admin = await signedIn(server, seed);
  const defaults = (await admin.http().patch('/api/v1/org/notification-defaults').send({ preferences: { time_zone: 'Europe/Berlin', digest_hour: 8 } }).expect(200)).body;
  expect(defaults).toEqual({ preferences: { ...DEFAULT_NOTIFICATION_PREFERENCES, time_zone: 'Europe/Berlin', digest_hour: 8 }, reminder_policy: null });
  expect((await alice.http().get('/api/v1/me/notification-preferences').expect(200)).body.preferences.time_zone).toBe('Europe/Berlin');

  const mine = (
    await alice
      .http()
      .patch('/api/v1/me/notification-preferences')
      .send({ channels: 'both', by_kind: { reminder: ['telegram'], execution_receipt: [] }, quiet_hours: { start: '22:00', end: '07:00' } })
      .expect(200)
  ).body;
  expect(mine).toEqual({
    own: true,
    preferences: {
      channels: 'both',
      by_kind: { reminder: ['telegram'], execution_receipt: [] },
      time_zone: 'Europe/Berlin',
      quiet_hours: { start: '22:00', end: '07:00' },
      digest_hour: 8,
    },
    org_defaults: defaults.preferences,
  });
  // Later defaults no longer change alice's own choices.
  await admin.http().patch('/api/v1/org/notification-defaults').send({ preferences: { time_zone: 'UTC' } }).expect(200);
  expect((await alice.http().get('/api/v1/me/notification-preferences').expect(200)).body.preferences.time_zone).toBe('Europe/Berlin');
  const back = (await alice.http().patch('/api/v1/me/notification-preferences').send({ use_org_defaults: true }).expect(200)).body;
  expect(back.own).toBe(false);
  expect(back.preferences.time_zone).toBe('UTC');

  const audit = (await admin.http().get('/api/v1/audit-log').expect(200)).body.data as { type: string; actor: { id: string } }[];
  // Newest first.
  const ours = audit.filter((e) => e.type.startsWith('notification_')).reverse();
  expect(ours.map((e) => e.type)).toEqual([
    'notification_defaults.changed',
    'notification_preferences.changed',
    'notification_defaults.changed',
    'notification_preferences.changed',
  ]);
  expect(ours.map((e) => e.actor.id)).toEqual([admin.user.id, alice.user.id, admin.user.id, alice.user.id]);
});

it('digest_only gets no message per request; quiet hours hold a message until they end, then it is sent', async () => {
  const seed = await seedOrg(server.db);
  const digestOnly = await signedIn(server, seed, 'approver');
  const quiet = await signedIn(server, seed, 'approver');
  const plain = await seed.addUser('approver');
  await digestOnly.http().patch('/api/v1/me/notification-preferences').send({ channels: 'digest_only' }).expect(200);
  const now = new Date();
  const end = new Date(now.getTime() + 10 * 60_000);
  await quiet
    .http()
    .patch('/api/v1/me/notification-preferences')
    .send({ quiet_hours: { start: hhmm(new Date(now.getTime() - 60 * 60_000)), end: hhmm(end) } })
    .expect(200);

  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  await smtp.until(() => smtp.to(plain.email).length === 1 && smtp.to(seed.admin.email).length === 1);
  await new Promise((r) => setTimeout(r, 500));
  expect(smtp.to(digestOnly.user.email)).toHaveLength(0);
  expect(smtp.to(quiet.user.email)).toHaveLength(0);
  const rows = await emailRows(a.id);
  expect(rows.map((r) => r.url)).not.toContain(`mailto:${digestOnly.user.email}`);
  const held = rows.find((r) => r.url === `mailto:${quiet.user.email}`)!;
  expect(held.status).toBe('pending');
  // Held to the minute the quiet hours end.
  expect(hhmm(held.next_attempt_at)).toBe(hhmm(end));
  expect(Math.abs(held.next_attempt_at.getTime() - end.getTime())).toBeLessThan(60_000);

  // The quiet hours end (the row's time is brought forward: the test cannot wait ten minutes).
  await server.db.query(`UPDATE deliveries SET next_attempt_at = now() WHERE channel = 'email' AND recipient_user_id = $1`, [quiet.user.id]);
  await smtp.until(() => smtp.to(quiet.user.email).length === 1);
  expect(smtp.to(quiet.user.email)[0]!.subject).toContain('Approval needed');
});

it('the daily digest lists what waits for the member, once per day across two workers, and only for those who want it', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await signedIn(server, seed, 'approver');
  const bob = await signedIn(server, seed, 'approver');
  const hour = new Date().getUTCHours();
  await alice.http().patch('/api/v1/me/notification-preferences').send({ channels: 'digest_only', time_zone: 'UTC', digest_hour: hour }).expect(200);
  // Bob's digest is at another hour: nothing for him now.
  await bob.http().patch('/api/v1/me/notification-preferences').send({ digest_hour: (hour + 12) % 24 }).expect(200);
  const first = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Rotate the prod keys' })).expect(201)).body as { id: string };
  await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Scale the cluster', priority: 'critical' })).expect(201);
  // Asks only the admin: not in alice's digest.
  const adminOnly = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Only for the admin' })).expect(201)).body as { id: string };
  await server
    .http(seed.key)
    .post(`/api/v1/approvals/${adminOnly.id}/steps`)
    .send({ steps: [{ step_order: 1, approver_id: admin.user.id }] })
    .expect(201);

  const second: Database = server.databaseUrl ? await openPostgres({ connectionString: server.databaseUrl, max: 2 }) : server.db;
  try {
    for (let round = 0; round < 3; round++) {
      await Promise.all([server.db, second].map((db) => scheduleDigests(db)));
      await Promise.all([server.db, second].map((db) => fireDueTimers({ db, notify: true })));
    }
  } finally {
    if (second !== server.db) await second.close();
  }
  const digests = () => smtp.to(alice.user.email).filter((m) => m.subject.includes('wait for you'));
  await smtp.until(() => digests().length === 1);
  await new Promise((r) => setTimeout(r, 500));
  expect(digests()).toHaveLength(1);
  const d = digests()[0]!;
  expect(d.subject).toBe(`2 requests wait for you in ${seed.org.name}`);
  expect(d.text).toContain('[high] Rotate the prod keys');
  expect(d.text).toContain('[critical] Scale the cluster');
  expect(d.text).not.toContain('Only for the admin');
  expect(d.text).toContain(`https://greenlight.example.test/requests/${first.id}`);
  // digest_only: no message per request.
  expect(smtp.to(alice.user.email)).toHaveLength(1);
  expect(smtp.to(bob.user.email).filter((m) => m.subject.includes('wait for you'))).toHaveLength(0);
  const { rows } = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM timers WHERE kind = 'digest' AND user_id = $1`, [alice.user.id]);
  expect(rows[0]!.n).toBe(1);
});
