/**
 * Who a new request asks is worked out when it is told, and a request that names nobody waits a
 * short grace first (GREENLIGHT_NOTIFY_GRACE_MS, 20 s here): an automation that creates a request and
 * then sets its steps (the OKRunit client's way) has only the people its steps name emailed; one that
 * sets none has everyone who may decide emailed once the grace has passed; a request that names its
 * approvers (a flow) is emailed at once. Against a real SMTP server. The grace is not waited out: a
 * test moves the request's creation back by a minute, as if it had passed.
 */
import { expect, it } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from '../testing/harness.ts';
import { signedIn } from '../testing/session.ts';
import type { TestSmtpServer } from '../testing/smtp.ts';
import { notificationsSettled, useMailServer } from '../testing/mail-world.ts';

let server: TestServer;
let smtp: TestSmtpServer;

useMailServer((s, m) => ([server, smtp] = [s, m]), { GREENLIGHT_NOTIFY_GRACE_MS: '20000' });

const asked = (address: string, approvalId: string) => smtp.to(address).filter((m) => m.text.includes(approvalId));

/** The `notify` row of the request's creation, as the outbox holds it. */
async function creationRow(approvalId: string) {
  const { rows } = await server.db.query<{ status: string; attempts: number; waits_ms: number }>(
    `SELECT d.status, d.attempts, extract(epoch FROM d.next_attempt_at - now()) * 1000 AS waits_ms
       FROM deliveries d WHERE d.approval_id = $1 AND d.channel = 'notify' AND d.event_type = 'approval.created'`,
    [approvalId],
  );
  return rows[0]!;
}

async function untilDeferred(approvalId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const row = await creationRow(approvalId);
    if (row.status === 'pending' && row.waits_ms > 5000) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the creation was not held for the grace');
}

/** As if the grace had passed: the request was created a minute ago, and its held row is due now. */
async function graceOver(approvalId: string): Promise<void> {
  await server.db.query(`UPDATE approvals SET created_at = created_at - interval '1 minute' WHERE id = $1`, [approvalId]);
  await server.db.query(`UPDATE deliveries SET next_attempt_at = now() WHERE approval_id = $1 AND channel = 'notify' AND status = 'pending'`, [approvalId]);
}

it('create, then steps: only the people the steps name are emailed, even after the grace', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  const bob = await seed.addUser('approver');
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  await server.http(seed.key).post(`/api/v1/approvals/${a.id}/steps`).send({ steps: [{ step_order: 1, approver_id: alice.id }] }).expect(201);

  await smtp.until(() => asked(alice.email, a.id).length === 1);
  await graceOver(a.id);
  await notificationsSettled(server, a.id);
  expect((await creationRow(a.id)).status).toBe('delivered');
  expect(asked(alice.email, a.id)).toHaveLength(1);
  expect(asked(bob.email, a.id)).toHaveLength(0);
  expect(asked(seed.admin.email, a.id)).toHaveLength(0);
});

it('a request that names nobody waits the grace, then asks everyone who may decide', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  const bob = await seed.addUser('approver');
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  await untilDeferred(a.id);
  expect([alice, bob, seed.admin].flatMap((p) => asked(p.email, a.id))).toEqual([]);

  await graceOver(a.id);
  await smtp.until(() => [alice, bob, seed.admin].every((p) => asked(p.email, a.id).length === 1));
  await notificationsSettled(server, a.id);
  for (const p of [alice, bob, seed.admin]) expect(asked(p.email, a.id)).toHaveLength(1);
});

it('a request that names its approvers is told at once, while one that names nobody still waits', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await seed.addUser('approver');
  const bob = await seed.addUser('approver');
  const waiting = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  await untilDeferred(waiting.id);
  const flow = await admin.http().post('/api/v1/flows').send({ name: 'Payments', steps: [{ approvers: { user_ids: [bob.id] } }] }).expect(201);
  const named = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ flow_id: flow.body.id })).expect(201)).body as { id: string };

  await smtp.until(() => asked(bob.email, named.id).length === 1);
  await notificationsSettled(server, named.id);
  expect(asked(alice.email, named.id)).toHaveLength(0);
  // Told well within the grace the other request is still held for.
  expect(await creationRow(waiting.id)).toMatchObject({ status: 'pending', attempts: 0 });
  expect(asked(alice.email, waiting.id)).toHaveLength(0);
  // The create says which one named its approvers, so that one's notification reads no grace.
  const payloads = await server.db.query<{ approval_id: string; payload: unknown }>(
    `SELECT approval_id, payload FROM deliveries WHERE approval_id = ANY ($1::uuid[]) AND channel = 'notify' AND event_type = 'approval.created'`,
    [[named.id, waiting.id]],
  );
  expect(Object.fromEntries(payloads.rows.map((r) => [r.approval_id, r.payload]))).toEqual({ [named.id]: { named: true }, [waiting.id]: {} });
});
