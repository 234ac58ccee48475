/**
 * The warning before an OAuth client lapses: the admin who registered it is told by email, once per
 * client, only for live clients inside the warning window; and the email reaches them. A rotated
 * client's previous secret is warned about before its overlap ends, once per rotation.
 */
import { describe, expect, it } from 'vitest';
import type { TestServer } from '../testing/harness.ts';
import { seedOrg } from '../testing/harness.ts';
import type { TestSmtpServer } from '../testing/smtp.ts';
import { useMailServer } from '../testing/mail-world.ts';
import { createOAuthClient, revokeOAuthClient, rotateOAuthClientSecret } from '../modules/oauth/clients.ts';
import { removeMember } from '../modules/members/members.ts';
import { warnEndingOAuthClientSecrets, warnExpiringOAuthClients } from './key-expiry-warnings.ts';

let server: TestServer;
let smtp: TestSmtpServer;
useMailServer((s, m) => ([server, smtp] = [s, m]));

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);
const register = (orgId: string, name: string, by: string, expiresAt: Date | null) =>
  createOAuthClient(server.db, orgId, { name, redirect_uris: ['https://example.com/cb'], expires_at: expiresAt }, { type: 'user', id: by });
const warnings = async (orgId: string) =>
  (await server.db.query<{ recipient_user_id: string; payload: { client_id: string } }>(
    `SELECT recipient_user_id, payload FROM deliveries WHERE channel = 'email' AND kind = 'oauth_client_expiring' AND org_id = $1 ORDER BY created_at`,
    [orgId],
  )).rows;

describe('warning before an OAuth client lapses', () => {
  it('tells the admin who registered each client lapsing within a week, once, by email', async () => {
    const seed = await seedOrg(server.db, 'Mail Clients');
    const soon = await register(seed.org.id, 'zapier-prod', seed.admin.id, inDays(5));
    await register(seed.org.id, 'later', seed.admin.id, inDays(30));
    await register(seed.org.id, 'never', seed.admin.id, null);
    await warnExpiringOAuthClients(server.db);
    await Promise.all([warnExpiringOAuthClients(server.db), warnExpiringOAuthClients(server.db)]);
    expect(await warnings(seed.org.id)).toEqual([{ recipient_user_id: seed.admin.id, payload: { client_id: soon.client.id } }]);
    await smtp.until(() => smtp.to(seed.admin.email).some((m) => m.subject.includes('zapier-prod')));
    const mail = smtp.to(seed.admin.email).find((m) => m.subject.includes('zapier-prod'))!;
    expect(mail.subject).toContain('The OAuth client zapier-prod of Mail Clients expires');
    expect(mail.text).toContain(`"zapier-prod" (${soon.client.client_id})`);
    expect(mail.text).toContain('Register a new OAuth client');
    expect(mail.text).toContain('https://greenlight.example.test/connections');
  });

  it('tells nobody of a revoked client, an expired one, or one whose admin left', async () => {
    const seed = await seedOrg(server.db, 'Quiet Clients');
    const revoked = await register(seed.org.id, 'revoked', seed.admin.id, inDays(2));
    await revokeOAuthClient(server.db, seed.org.id, revoked.client.id);
    const lapsed = await register(seed.org.id, 'lapsed', seed.admin.id, inDays(1));
    await server.db.query("UPDATE oauth_clients SET expires_at = now() - interval '1 minute' WHERE id = $1", [lapsed.client.id]);
    const other = await seed.addUser('admin');
    await register(seed.org.id, 'orphan', other.id, inDays(2));
    await removeMember(server.db, seed.org.id, other.id);
    await warnExpiringOAuthClients(server.db);
    expect(await warnings(seed.org.id)).toEqual([]);
  });

  it("tells the admin who registered a client before its previous secret stops, once per rotation", async () => {
    const seed = await seedOrg(server.db, 'Rotated Clients');
    const app = await register(seed.org.id, 'make-prod', seed.admin.id, null);
    const long = await register(seed.org.id, 'long-overlap', seed.admin.id, null);
    await rotateOAuthClientSecret(server.db, seed.org.id, app.client.id, 3600);
    await rotateOAuthClientSecret(server.db, seed.org.id, long.client.id, 20 * 86_400);
    await warnEndingOAuthClientSecrets(server.db);
    await Promise.all([warnEndingOAuthClientSecrets(server.db), warnEndingOAuthClientSecrets(server.db)]);
    expect(await warnings(seed.org.id)).toEqual([{ recipient_user_id: seed.admin.id, payload: { client_id: app.client.id, secret: 'previous' } }]);
    await smtp.until(() => smtp.to(seed.admin.email).some((m) => m.subject.includes('make-prod')));
    const mail = smtp.to(seed.admin.email).find((m) => m.subject.includes('make-prod'))!;
    expect(mail.subject).toContain('The previous secret of the OAuth client make-prod of Rotated Clients expires');
    expect(mail.text).toContain('put the new secret in the application');
    // A second rotation: a new previous secret, told of again.
    await rotateOAuthClientSecret(server.db, seed.org.id, app.client.id, 1800);
    await warnEndingOAuthClientSecrets(server.db);
    expect(await warnings(seed.org.id)).toHaveLength(2);
  });
});
