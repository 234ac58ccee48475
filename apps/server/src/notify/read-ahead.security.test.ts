/**
 * Reads made ahead of a notification's first attempt (ClaimedRow.readAhead) are used only for the
 * request they were read for: a row handed another request's reads is told from its own, so nobody
 * is asked about a request by reads of another.
 */
import { expect, it } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from '../testing/harness.ts';
import { signedIn } from '../testing/session.ts';
import { useMailServer } from '../testing/mail-world.ts';
import { handRuntime } from '../testing/outbox.ts';
import { claimDue } from '../delivery/outbox/outbox.ts';
import { register, runAttempt } from '../delivery/outbox/attempt.ts';
import { emailChannel } from '../channels/email/email-channel.ts';
import { notifyChannel } from './notify-channel.ts';

let server: TestServer;

// No worker: the test claims the notification and attempts it by hand.
useMailServer((s) => (server = s), { GREENLIGHT_DELIVERY_WORKER: 'false' });

it('a notification handed the reads of another request tells the people of its own', async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const bob = await seed.addUser('approver');
  const carol = await seed.addUser('approver');
  const flowOf = async (userId: string) =>
    (await admin.http().post('/api/v1/flows').send({ name: `Flow ${userId}`, steps: [{ approvers: { user_ids: [userId] } }] }).expect(201)).body.id as string;
  const create = async (flowId: string) => ((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ flow_id: flowId })).expect(201)).body as { id: string }).id;
  const forBob = await create(await flowOf(bob.id));
  const forCarol = await create(await flowOf(carol.id));

  const email = register(emailChannel({ enabled: true, publicUrl: 'https://greenlight.example.test' }));
  const notify = register(notifyChannel({ channels: [email], graceMs: 0 }));
  const row = (await claimDue(server.db, 100, 30_000)).find((r) => r.channel === 'notify' && r.approval_id === forBob)!;
  expect(row).toBeDefined();
  // The reads of carol's request, as its create would have sent them behind itself.
  const carolsReads = notify.readAheadOfCreate!(server.db, seed.org.id, forCarol);
  expect(await runAttempt(handRuntime(server.db, [email, notify]), { ...row, readAhead: { approvalId: forCarol, reads: carolsReads } })).toEqual({ kind: 'delivered' });

  const queued = await server.db.query<{ recipient_user_id: string }>(`SELECT recipient_user_id FROM deliveries WHERE approval_id = $1 AND channel = 'email'`, [forBob]);
  expect(queued.rows.map((r) => r.recipient_user_id)).toEqual([bob.id]);
});
