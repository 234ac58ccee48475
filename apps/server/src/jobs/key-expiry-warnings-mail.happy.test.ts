/** The warning reaches the key's creator as a real email, through the outbox's email channel. */
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../testing/harness.ts';
import { seedOrg } from '../testing/harness.ts';
import type { TestSmtpServer } from '../testing/smtp.ts';
import { useMailServer } from '../testing/mail-world.ts';
import { createConnection } from '../modules/connections/connections.ts';
import { warnExpiringKeys } from './key-expiry-warnings.ts';

let server: TestServer;
let smtp: TestSmtpServer;
useMailServer((s, m) => ([server, smtp] = [s, m]));

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);

describe('the expiry warning by email', () => {
  it('is sent to the creator, naming the key and the Connections page', async () => {
    const seed = await seedOrg(server.db, 'Mail Keys');
    const expiresAt = inDays(5);
    const { connection } = await createConnection(server.db, { orgId: seed.org.id, name: 'nightly-export', createdByUserId: seed.admin.id, expiresAt });
    await warnExpiringKeys(server.db);
    await smtp.until(() => smtp.to(seed.admin.email).some((m) => m.subject.includes('nightly-export')));
    const mail = smtp.to(seed.admin.email).find((m) => m.subject.includes('nightly-export'))!;
    expect(mail.subject).toContain('Mail Keys');
    expect(mail.text).toContain(`"nightly-export" (${connection.key_prefix}…)`);
    expect(mail.text).toContain('https://greenlight.example.test/connections');
  });
});
