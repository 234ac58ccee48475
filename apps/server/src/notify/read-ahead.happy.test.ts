/**
 * A request that names its approvers is told at once, and what its notification's attempt reads
 * (whom to tell, what telling them needs, the steps that wait) is sent behind the create's statement
 * on its connection (QueryOptions.behind), run as soon as the create commits: the attempt then reads
 * nothing of its own before its transaction.
 */
import { expect, it } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from '../testing/harness.ts';
import { signedIn } from '../testing/session.ts';
import type { TestSmtpServer } from '../testing/smtp.ts';
import { notificationsSettled, useMailServer } from '../testing/mail-world.ts';
import { statementsDuring } from '../testing/statements.ts';

let server: TestServer;
let smtp: TestSmtpServer;

useMailServer((s, m) => ([server, smtp] = [s, m]));

const asked = (address: string, approvalId: string) => smtp.to(address).filter((m) => m.text.includes(approvalId));

it('the notification of a request that names its approvers reads nothing after the create: its reads went behind it', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const alice = await seed.addUser('approver');
  const bob = await seed.addUser('approver');
  const flow = await admin.http().post('/api/v1/flows').send({ name: 'Payments', steps: [{ approvers: { user_ids: [bob.id] }, reminders: { remind: { after: '1h' } } }] }).expect(201);

  const { result: a, steps } = await statementsDuring(server.db, async () => {
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ flow_id: flow.body.id })).expect(201)).body as { id: string };
    await smtp.until(() => asked(bob.email, created.id).length === 1);
    await notificationsSettled(server, created.id);
    return created;
  });
  // Told once, the one person the flow names.
  expect(asked(bob.email, a.id)).toHaveLength(1);
  expect(asked(alice.email, a.id)).toHaveLength(0);
  expect(asked(seed.admin.email, a.id)).toHaveLength(0);
  // Neither whom to tell nor the waiting steps were read on the database itself: both went behind the create.
  const issued = steps.filter((s) => s.step === 'issued').map((s) => s.prepare ?? s.text);
  expect(issued).toContain('create_approval');
  expect(issued.filter((p) => p.startsWith('tell_read') || p === 'waiting_steps')).toEqual([]);
  // What the reads found was used: the step's reminder clock started with the telling.
  const timers = await server.db.query<{ kind: string }>(`SELECT kind FROM timers WHERE approval_id = $1`, [a.id]);
  expect(timers.rows.map((r) => r.kind)).toEqual(['remind']);
});
