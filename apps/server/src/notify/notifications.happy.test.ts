/**
 * Notifications as durable deliveries, against a real SMTP server: who is told, one message per
 * person per request, what a message says, the emergency stop, retries and the delivery log.
 */
import supertest from 'supertest';
import { expect, it } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from '../testing/harness.ts';
import { sessionOf, signedIn } from '../testing/session.ts';
import { confirmationForm, linkIn } from '../testing/decision-links.ts';
import type { TestSmtpServer } from '../testing/smtp.ts';
import { notificationsSettled, useMailServer } from '../testing/mail-world.ts';
import { setEmergencyStop } from '../modules/orgs/create-org.ts';
import { whoIsAsked } from '../core/who-is-asked.ts';
import { allowAdminOverride } from '../testing/decisions.ts';

let server: TestServer;
let smtp: TestSmtpServer;

useMailServer((s, m) => ([server, smtp] = [s, m]));

it('a new request emails every approver and admin of the org once, never a viewer, with its details and links', async () => {
  const seed = await seedOrg(server.db, 'Mail & Co');
  const alice = await seed.addUser('approver');
  const bob = await seed.addUser('approver');
  const viewer = await seed.addUser('viewer');
  const body = approvalBody({
    title: 'Delete <b>user</b> #4821',
    description: '**Permanent** deletion.\n<script>alert(1)</script>\n[click](javascript:alert(1))',
    priority: 'critical',
    expires_at: new Date(Date.now() + 3600_000).toISOString(),
    changes: { before: { plan: 'pro', seats: 5 }, after: { plan: null, seats: 5 } },
  });
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201)).body as { id: string };
  await smtp.until(() => [seed.admin.email, alice.email, bob.email].every((e) => smtp.to(e).length === 1));
  await notificationsSettled(server, a.id);
  expect(smtp.to(viewer.email)).toHaveLength(0);
  for (const e of [seed.admin.email, alice.email, bob.email]) expect(smtp.to(e)).toHaveLength(1);

  const m = smtp.to(alice.email)[0]!;
  expect(m.subject).toBe('[critical] Approval needed: Delete <b>user</b> #4821');
  expect(m.from).toBe('greenlight@example.test');
  expect(m.headers.get('auto-submitted')).toBe('auto-generated');
  // Plain text: every detail, and the three links.
  expect(m.text).toContain('Priority: critical');
  expect(m.text).toContain('Requested by: primary');
  expect(m.text).toContain('Expires: ');
  expect(m.text).toContain('**Permanent** deletion.');
  expect(m.text).toContain('plan: "pro" → null');
  expect(m.text).toMatch(/Approve: https:\/\/greenlight\.example\.test\/decide\/[A-Za-z0-9_-]{43}\n/);
  expect(m.text).toMatch(/Reject: https:\/\/greenlight\.example\.test\/decide\/[A-Za-z0-9_-]{43}\n/);
  expect(m.text).toContain(`Open in Greenlight: https://greenlight.example.test/requests/${a.id}`);
  // HTML: the same, every value escaped: no markup from the request survives as markup.
  expect(m.html).toContain('Delete &lt;b&gt;user&lt;/b&gt; #4821');
  expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  // The description's markdown is rendered; its link is shown as text with its address, never as a link.
  expect(m.html).toContain('<strong>Permanent</strong> deletion.');
  expect(m.html).toContain('click (javascript:alert(1))');
  expect(m.html).not.toContain('<script');
  expect(m.html).not.toMatch(/href="javascript:/i);
  expect(m.html).toContain('Mail &amp; Co');
  expect(m.html).toContain('name="viewport"');
  const hrefs = [...m.html.matchAll(/href="([^"]+)"/g)].map((x) => x[1]);
  expect(hrefs).toHaveLength(3);
  expect(hrefs[2]).toBe(`https://greenlight.example.test/requests/${a.id}`);
  // Each person's links are their own.
  const linksOf = (text: string) => [...text.matchAll(/\/decide\/([A-Za-z0-9_-]{43})/g)].map((x) => x[1]);
  expect(new Set([...linksOf(m.text), ...linksOf(smtp.to(bob.email)[0]!.text)]).size).toBe(4);

  // The delivery log shows each email with the SMTP reply of its attempt.
  const log = (await server.http(seed.key).get(`/api/v1/deliveries?approval_id=${a.id}`).expect(200)).body as {
    data: { target: string; url: string; status: string; attempts: { status_code: number }[] }[];
  };
  const emails = log.data.filter((d) => d.target === 'email');
  expect(emails.map((d) => d.url).sort()).toEqual([alice.email, bob.email, seed.admin.email].map((e) => `mailto:${e}`).sort());
  expect(emails.every((d) => d.status === 'delivered' && d.attempts[0]!.status_code === 250)).toBe(true);
});

it('GET /me says email is on (and Slack off), for the dashboard to show', async () => {
  const seed = await seedOrg(server.db);
  expect((await server.http(seed.key).get('/api/v1/me').expect(200)).body.notifications).toEqual({ email: true, slack: false, telegram: false, discord: false, msteams: false });
});

it('a request made by a person is not emailed to that person', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  const session = await signedIn(server, seed);
  const a = (await session.http().post('/api/v1/approvals').send(approvalBody({ title: 'Mine' })).expect(201)).body as { id: string };
  await smtp.until(() => smtp.to(alice.email).length === 1);
  await notificationsSettled(server, a.id);
  expect(smtp.to(seed.admin.email)).toHaveLength(0);
});

it('with steps, the approvers of the current step are told; a later step\'s approver when it becomes current', async () => {
  const seed = await seedOrg(server.db);
  const first = await seed.addUser('approver');
  const approver = await seed.newKey();
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ is_sequential: true })).expect(201)).body as { id: string };
  await notificationsSettled(server, a.id);
  // Joined after the request was made: not told of it until a step makes them an approver of it.
  const second = await seed.addUser('approver');
  const third = await seed.addUser('approver');
  await server
    .http(seed.key)
    .post(`/api/v1/approvals/${a.id}/steps`)
    .send({ steps: [{ step_order: 1, approver_id: first.id }, { step_order: 2, approver_id: second.id }, { step_order: 3, approver_id: third.id }] })
    .expect(201);
  expect((await whoIsAsked(server.db, a.id)).map((x) => x.userId)).toEqual([first.id]);
  await notificationsSettled(server, a.id);
  expect(smtp.to(second.email)).toHaveLength(0);

  // An API key decides the first step here: the org lets keys decide steps that do not name them.
  await allowAdminOverride(server, seed.org.id);
  await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
  await smtp.until(() => smtp.to(second.email).length === 1);
  await notificationsSettled(server, a.id);
  expect(smtp.to(third.email)).toHaveLength(0);
  // Told once per request, though asked at creation and at step 1.
  expect(smtp.to(first.email)).toHaveLength(1);
});

it('while the emergency stop is on, notifications wait; they are sent once it ends', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  // The create committed before the stop: its notification is queued, and held.
  await setEmergencyStop(server.db, seed.org.id, true);
  await new Promise((r) => setTimeout(r, 600));
  const sentBefore = smtp.to(alice.email).length;
  const { rows } = await server.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel IN ('notify', 'email') AND status = 'pending'`,
    [a.id],
  );
  // Either the stop came before the worker's claim (the row waits), or the message had already gone.
  expect(rows[0]!.n + sentBefore).toBeGreaterThanOrEqual(1);
  await setEmergencyStop(server.db, seed.org.id, false);
  await smtp.until(() => smtp.to(alice.email).length === 1);
  await notificationsSettled(server, a.id);
  expect(smtp.to(alice.email)).toHaveLength(1);
});

it('a refused message is retried on the schedule, then sent, with every attempt in the log', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  smtp.answer({ code: 451, message: 'try again later' });
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  for (let i = 0; i < 200; i++) {
    const { rows } = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id WHERE d.approval_id = $1 AND d.channel = 'email' AND t.status_code = 451`,
      [a.id],
    );
    if (rows[0]!.n >= 2) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  smtp.answer('accept');
  await smtp.until(() => smtp.to(alice.email).length === 1);
  await notificationsSettled(server, a.id);
  const { rows } = await server.db.query<{ status: string; codes: number[] }>(
    `SELECT d.status, array_agg(t.status_code ORDER BY t.attempt) AS codes
       FROM deliveries d JOIN delivery_attempts t ON t.delivery_id = d.id
      WHERE d.approval_id = $1 AND d.channel = 'email' AND d.recipient_user_id = $2 GROUP BY d.status`,
    [a.id, alice.id],
  );
  expect(rows[0]!.status).toBe('delivered');
  expect(rows[0]!.codes.at(-1)).toBe(250);
  expect(rows[0]!.codes.slice(0, -1).every((c) => c === 451)).toBe(true);
});

it('a request decided before its emails went out is not emailed', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  const approver = await seed.newKey();
  // Every attempt before the decision is refused; the ones after it find the request decided.
  smtp.answer({ code: 451, message: 'try again later' });
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'reject' }).expect(200);
  await notificationsSettled(server, a.id);
  smtp.answer('accept');
  expect(smtp.to(alice.email)).toHaveLength(0);
  const { rows } = await server.db.query<{ status: string; last_error: string }>(
    `SELECT status, last_error FROM deliveries WHERE approval_id = $1 AND channel = 'email'`,
    [a.id],
  );
  // Either asked before the decision (then closed unsent), or worked out after it (nobody to ask).
  for (const r of rows) expect(r).toEqual({ status: 'gone', last_error: 'request already rejected' });
});

it('a person removed from the org before their email went out is not emailed', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  smtp.answer({ code: 451, message: 'try again later' });
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  for (let i = 0; i < 200; i++) {
    const { rows } = await server.db.query(`SELECT 1 FROM deliveries WHERE approval_id = $1 AND channel = 'email' AND recipient_user_id = $2`, [a.id, alice.id]);
    if (rows.length > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await server.db.query('DELETE FROM memberships WHERE org_id = $1 AND user_id = $2', [seed.org.id, alice.id]);
  await notificationsSettled(server, a.id);
  smtp.answer('accept');
  expect(smtp.to(alice.email)).toHaveLength(0);
  const { rows } = await server.db.query<{ status: string; last_error: string }>(
    `SELECT status, last_error FROM deliveries WHERE approval_id = $1 AND channel = 'email' AND recipient_user_id = $2`,
    [a.id, alice.id],
  );
  expect(rows).toEqual([{ status: 'gone', last_error: 'recipient is no longer an approver of the org' }]);
});

it('fields marked sensitive are masked in the email of a reviewer without see_sensitive, shown to an admin', async () => {
  const seed = await seedOrg(server.db, 'Mail redact');
  const alice = await seed.addUser('approver');
  const body = approvalBody({
    changes: { before: { card: '4111 1111 1111 1111', plan: 'pro' }, after: { card: '5500 0000 0000 0004', plan: 'team' } },
    redact: ['changes.before.card', 'changes.after.card'],
  });
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201)).body as { id: string };
  await smtp.until(() => [seed.admin.email, alice.email].every((e) => smtp.to(e).length === 1));
  await notificationsSettled(server, a.id);
  const reviewer = smtp.to(alice.email)[0]!;
  expect(reviewer.text).toContain('plan: "pro" → "team"');
  expect(reviewer.text).toContain('[redacted]');
  expect(`${reviewer.text}${reviewer.html}`).not.toContain('4111 1111');
  expect(`${reviewer.text}${reviewer.html}`).not.toContain('5500 0000');
  const admin = smtp.to(seed.admin.email)[0]!;
  expect(admin.text).toContain('5500 0000 0000 0004');
});

it('a routed request emails each person its rule asks once (named, through a team, a delegate for someone away), and each one\'s links decide as that person', async () => {
  const seed = await seedOrg(server.db, 'Routed mail');
  const admin = await signedIn(server, seed);
  const alice = await seed.addUser('approver');
  const bob = await seed.addUser('approver');
  const carol = await seed.addUser('approver');
  const dana = await seed.addUser('approver');
  const eve = await seed.addUser('approver');
  const team = (await admin.http().post('/api/v1/teams').send({ name: 'SRE', member_ids: [bob.id, carol.id] }).expect(201)).body as { id: string };
  await admin
    .http()
    .put('/api/v1/routing-rules')
    .send({ rules: [{ name: 'Deploys', match: { action_type: 'deploy.*' }, action: { approvers: { user_ids: [alice.id], team_ids: [team.id] }, quorum: 2 } }] })
    .expect(200);
  // Bob is away: Dana decides in his place.
  await (await sessionOf(server, seed, bob)).http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, ends_at: new Date(Date.now() + 3600_000).toISOString() }).expect(200);

  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.production' })).expect(201)).body as { id: string; routing: { rule_name: string } };
  expect(a.routing.rule_name).toBe('Deploys');
  await smtp.until(() => [alice, carol, dana].every((p) => smtp.to(p.email).length === 1));
  await notificationsSettled(server, a.id);
  for (const p of [alice, carol, dana]) expect(smtp.to(p.email)).toHaveLength(1);
  for (const p of [bob, eve, seed.admin]) expect(smtp.to(p.email)).toHaveLength(0);

  // Every link is its holder's own: alice's approval counts as hers, dana's as hers for bob.
  const linkOf = (p: { email: string }, label: 'Approve' | 'Reject') => linkIn(smtp.to(p.email)[0]!.text, label);
  await (await confirmationForm(server.url, linkOf(alice, 'Approve'))).submit().expect(303);
  expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body).toMatchObject({ status: 'pending', current_approvals: 0 });
  await (await confirmationForm(server.url, linkOf(dana, 'Approve'))).submit({ comment: 'for Bob' }).expect(303);
  const done = (await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body;
  expect(done).toMatchObject({ status: 'approved', decided_by: dana.id });
  const results = done.run.steps[0].results as { reviewer: { id: string }; on_behalf_of: { id: string } | null }[];
  expect(results.map((r) => [r.reviewer.id, r.on_behalf_of?.id ?? null])).toEqual(
    expect.arrayContaining([
      [alice.id, null],
      [dana.id, bob.id],
    ]),
  );
  // Carol's links, unused, say what happened.
  const page = await supertest(server.url).get(linkOf(carol, 'Reject')).expect(200);
  expect(page.text).toContain('already approved by');
  expect(page.text).not.toContain('<form');
});
