/**
 * Execution receipts are told to the people who approved, as durable email deliveries against a
 * real SMTP server: one message per receipt and person, with what the receipt said, never to someone
 * who did not approve (nor to an API key, nor to a person who left the org).
 */
import { expect, it } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from '../testing/harness.ts';
import { signedIn } from '../testing/session.ts';
import type { TestSmtpServer } from '../testing/smtp.ts';
import { notificationsSettled, useMailServer } from '../testing/mail-world.ts';

let server: TestServer;
let smtp: TestSmtpServer;

useMailServer((s, m) => ([server, smtp] = [s, m]));

const receipts = (address: string) => smtp.to(address).filter((m) => m.subject.includes('Execution of:'));

it('each receipt (started, then succeeded) emails the people who approved, once each, with its status, message and link; nobody else', async () => {
  const seed = await seedOrg(server.db, 'Receipts & Co');
  const alice = await signedIn(server, seed, 'approver');
  const bob = await signedIn(server, seed, 'approver');
  const carol = await signedIn(server, seed, 'approver');
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Deploy <v2.4.0>', action_type: 'deploy.production', required_approvals: 2 })).expect(201)).body as {
    id: string;
  };
  await alice.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
  await bob.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', comment: 'Go' }).expect(200);

  await server.http(seed.key).post(`/api/v1/approvals/${a.id}/execution`).send({ status: 'started', message: 'Rolling out' }).expect(200);
  await server
    .http(seed.key)
    .post(`/api/v1/approvals/${a.id}/execution`)
    .send({ status: 'succeeded', message: 'Deployed to 12 hosts <ok>', url: 'https://ci.example.com/runs/4521' })
    .expect(200);
  await smtp.until(() => [alice, bob].every((p) => receipts(p.user.email).length === 2));
  await notificationsSettled(server, a.id);

  // Carol was asked but did not decide; the admin neither: neither hears of the receipts.
  expect(receipts(carol.user.email)).toHaveLength(0);
  expect(receipts(seed.admin.email)).toHaveLength(0);
  for (const p of [alice, bob]) expect(receipts(p.user.email)).toHaveLength(2);

  const [started, done] = ['started', 'succeeded'].map((s) => receipts(alice.user.email).find((m) => m.subject.startsWith(`[${s}]`))!);
  expect(started!.subject).toBe('[started] Execution of: Deploy <v2.4.0>');
  expect(started!.text).toContain('Execution: started');
  expect(started!.text).toContain('Message: Rolling out');
  expect(done!.text).toContain('primary reported what it did with a request you approved in Receipts & Co.');
  expect(done!.text).toContain('Execution: succeeded');
  expect(done!.text).toContain('Message: Deployed to 12 hosts <ok>');
  expect(done!.text).toContain('Link: https://ci.example.com/runs/4521');
  expect(done!.text).toContain('Action: deploy.production');
  expect(done!.text).toContain(`Open in Greenlight: https://greenlight.example.test/requests/${a.id}`);
  // HTML: values escaped; the link shown as its own address.
  expect(done!.html).toContain('Deploy &lt;v2.4.0&gt;');
  expect(done!.html).toContain('Deployed to 12 hosts &lt;ok&gt;');
  expect(done!.html).toContain('<a href="https://ci.example.com/runs/4521" style="color:#0969da">https://ci.example.com/runs/4521</a>');
  expect(done!.html).toContain('Succeeded');

  // In the delivery log like every email, one per receipt and person.
  const { rows } = await server.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'email' AND kind = 'execution_receipt' AND status = 'delivered'`,
    [a.id],
  );
  expect(rows[0]!.n).toBe(4);
});

it('a request approved by an API key, and a person who left the org, get no receipt email', async () => {
  const seed = await seedOrg(server.db, 'Keys only');
  const approverKey = await seed.newKey();
  const leaver = await signedIn(server, seed, 'approver');
  const stayer = await signedIn(server, seed, 'approver');

  const byKey = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  await server.http(approverKey.key).patch(`/api/v1/approvals/${byKey.id}`).send({ decision: 'approve' }).expect(200);
  await server.http(seed.key).post(`/api/v1/approvals/${byKey.id}/execution`).send({ status: 'failed', message: 'exit code 3' }).expect(200);

  const byPeople = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ required_approvals: 2 })).expect(201)).body as { id: string };
  await leaver.http().patch(`/api/v1/approvals/${byPeople.id}`).send({ decision: 'approve' }).expect(200);
  await stayer.http().patch(`/api/v1/approvals/${byPeople.id}`).send({ decision: 'approve' }).expect(200);
  const admin = await signedIn(server, seed);
  await admin.http().delete(`/api/v1/members/${leaver.user.id}`).expect((r) => expect([200, 204]).toContain(r.status));
  await server.http(seed.key).post(`/api/v1/approvals/${byPeople.id}/execution`).send({ status: 'failed', message: 'Rolled back' }).expect(200);

  await smtp.until(() => receipts(stayer.user.email).length === 1);
  await notificationsSettled(server, byKey.id);
  await notificationsSettled(server, byPeople.id);
  expect(receipts(stayer.user.email)[0]!.subject).toMatch(/^\[failed\] Execution of: /);
  expect(receipts(stayer.user.email)[0]!.text).toContain('Message: Rolled back');
  expect(receipts(leaver.user.email)).toHaveLength(0);
  const { rows } = await server.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries WHERE approval_id = ANY($1::uuid[]) AND channel = 'email' AND kind = 'execution_receipt'`,
    [[byKey.id, byPeople.id]],
  );
  expect(rows[0]!.n).toBe(1);
});
