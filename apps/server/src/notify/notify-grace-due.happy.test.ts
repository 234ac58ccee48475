/**
 * A request that names nobody is told when its grace ends, not at the delivery worker's next sweep:
 * the process that held its notification wakes its worker when the row comes due. The sweep is set
 * to ten minutes here, so only that wake-up can send the emails; the grace is 600 ms. Against a real
 * SMTP server.
 */
import { expect, it } from 'vitest';
import { approvalBody, seedOrg, type TestServer } from '../testing/harness.ts';
import type { TestSmtpServer } from '../testing/smtp.ts';
import { notificationsSettled, useMailServer } from '../testing/mail-world.ts';

const GRACE_MS = 600;
let server: TestServer;
let smtp: TestSmtpServer;

useMailServer((s, m) => ([server, smtp] = [s, m]), { GREENLIGHT_NOTIFY_GRACE_MS: String(GRACE_MS), GREENLIGHT_DELIVERY_SWEEP_MS: '600000' });

it('an unrouted request is emailed once its grace has passed, without waiting for the sweep', async () => {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver');
  const t0 = Date.now();
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  const asked = (address: string) => smtp.to(address).filter((m) => m.text.includes(a.id));

  await smtp.until(() => asked(alice.email).length === 1 && asked(seed.admin.email).length === 1, 10_000);
  // Not before the grace: the row was held for it, and then taken up when it came due.
  expect(Date.now() - t0).toBeGreaterThanOrEqual(GRACE_MS);
  await notificationsSettled(server, a.id);
  const { rows } = await server.db.query<{ attempts: number; status: string }>(
    `SELECT attempts, status FROM deliveries WHERE approval_id = $1 AND channel = 'notify' AND event_type = 'approval.created'`,
    [a.id],
  );
  // One attempt recorded: the one after the grace (the held first look gave its attempt number back).
  expect(rows).toEqual([{ attempts: 1, status: 'delivered' }]);
});
