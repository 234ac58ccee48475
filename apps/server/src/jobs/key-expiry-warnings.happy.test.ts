/**
 * The warning before an API key lapses: its creator is told by email through the outbox, once per
 * key, only for live keys inside the warning window, and never for a key rotated away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedOrg, type TestDatabase } from '../testing/harness.ts';
import { createConnection, revokeConnection, rotateApiKey } from '../modules/connections/connections.ts';
import { removeMember } from '../modules/members/members.ts';
import { keyExpiringEmail } from '../channels/email/email-messages.ts';
import { warnExpiringKeys } from './key-expiry-warnings.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await openTestDatabase();
}, 60_000);
afterAll(() => tdb.drop());

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);
const warnings = async (orgId: string) =>
  (await tdb.db.query<{ recipient_user_id: string; payload: { connection_id: string } }>(
    `SELECT recipient_user_id, payload FROM deliveries WHERE channel = 'email' AND kind = 'key_expiring' AND org_id = $1 ORDER BY created_at`,
    [orgId],
  )).rows;

describe('warning before an API key lapses', () => {
  it('tells the creator of each key lapsing within the window, once', async () => {
    const seed = await seedOrg(tdb.db);
    const soon = await createConnection(tdb.db, { orgId: seed.org.id, name: 'soon', createdByUserId: seed.admin.id, expiresAt: inDays(3) });
    await createConnection(tdb.db, { orgId: seed.org.id, name: 'later', createdByUserId: seed.admin.id, expiresAt: inDays(30) });
    await createConnection(tdb.db, { orgId: seed.org.id, name: 'never', createdByUserId: seed.admin.id });
    await warnExpiringKeys(tdb.db);
    expect(await warnings(seed.org.id)).toEqual([{ recipient_user_id: seed.admin.id, payload: { connection_id: soon.connection.id } }]);
    await warnExpiringKeys(tdb.db);
    await Promise.all([warnExpiringKeys(tdb.db), warnExpiringKeys(tdb.db)]);
    expect(await warnings(seed.org.id)).toHaveLength(1);
  });

  it('tells nobody of a revoked key, a rotated-away key, an expired one, or a creator who left', async () => {
    const seed = await seedOrg(tdb.db);
    const revoked = await createConnection(tdb.db, { orgId: seed.org.id, name: 'revoked', createdByUserId: seed.admin.id, expiresAt: inDays(2) });
    await revokeConnection(tdb.db, seed.org.id, revoked.connection.id);
    const rotated = await createConnection(tdb.db, { orgId: seed.org.id, name: 'rotated', createdByUserId: seed.admin.id, expiresAt: inDays(60) });
    const next = await rotateApiKey(tdb.db, seed.org.id, rotated.connection.id, { overlapSeconds: 3600, createdByUserId: seed.admin.id });
    const lapsed = await createConnection(tdb.db, { orgId: seed.org.id, name: 'lapsed', createdByUserId: seed.admin.id, expiresAt: inDays(1) });
    await tdb.db.query("UPDATE connections SET expires_at = now() - interval '1 minute' WHERE id = $1", [lapsed.connection.id]);
    const other = await seed.addUser('admin');
    await createConnection(tdb.db, { orgId: seed.org.id, name: 'orphan', createdByUserId: other.id, expiresAt: inDays(2) });
    await removeMember(tdb.db, seed.org.id, other.id);
    await warnExpiringKeys(tdb.db);
    expect(await warnings(seed.org.id)).toEqual([]);
    // The successor lives 60 days: outside the window, nothing yet.
    expect(next!.connection.expires_at!.getTime()).toBeGreaterThan(inDays(59).getTime());
  });

  it('the email names the key, when it stops, and where to rotate it', () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const email = keyExpiringEmail({ orgName: 'Acme', keyName: 'deploys', keyPrefix: 'gk_12345678', expiresAt: at, open: 'https://gl.example.test/connections' });
    expect(email.subject).toContain('deploys');
    expect(email.text).toContain('"deploys" (gk_12345678…) of Acme');
    expect(email.text).toContain('Rotate it on the Connections page');
    expect(email.text).toContain('https://gl.example.test/connections');
    expect(email.html).toContain('href="https://gl.example.test/connections"');
  });
});
