/**
 * The warning before an API key lapses: its creator is told by email through the outbox, once per
 * key, only for live keys inside the warning window; a key rotated away is told about again before
 * its overlap ends.
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

  it('tells nobody of a revoked key, an expired one, or a creator who left', async () => {
    const seed = await seedOrg(tdb.db);
    const revoked = await createConnection(tdb.db, { orgId: seed.org.id, name: 'revoked', createdByUserId: seed.admin.id, expiresAt: inDays(2) });
    await revokeConnection(tdb.db, seed.org.id, revoked.connection.id);
    const lapsed = await createConnection(tdb.db, { orgId: seed.org.id, name: 'lapsed', createdByUserId: seed.admin.id, expiresAt: inDays(1) });
    await tdb.db.query("UPDATE connections SET expires_at = now() - interval '1 minute' WHERE id = $1", [lapsed.connection.id]);
    const other = await seed.addUser('admin');
    await createConnection(tdb.db, { orgId: seed.org.id, name: 'orphan', createdByUserId: other.id, expiresAt: inDays(2) });
    await removeMember(tdb.db, seed.org.id, other.id);
    await warnExpiringKeys(tdb.db);
    expect(await warnings(seed.org.id)).toEqual([]);
  });

  it('tells the creator of a key rotated away before its overlap ends, once, even when it was warned of before', async () => {
    const seed = await seedOrg(tdb.db);
    const long = await createConnection(tdb.db, { orgId: seed.org.id, name: 'long', createdByUserId: seed.admin.id, expiresAt: inDays(60) });
    const next = await rotateApiKey(tdb.db, seed.org.id, long.connection.id, { overlapSeconds: 3600, createdByUserId: seed.admin.id });
    await warnExpiringKeys(tdb.db);
    await warnExpiringKeys(tdb.db);
    // The old key ends in an hour; its successor lives 60 days, outside the window.
    expect(await warnings(seed.org.id)).toEqual([{ recipient_user_id: seed.admin.id, payload: { connection_id: long.connection.id } }]);
    expect(next!.connection.expires_at!.getTime()).toBeGreaterThan(inDays(59).getTime());

    const other = await seedOrg(tdb.db);
    const soon = await createConnection(tdb.db, { orgId: other.org.id, name: 'soon', createdByUserId: other.admin.id, expiresAt: inDays(5) });
    await warnExpiringKeys(tdb.db);
    const successor = await rotateApiKey(tdb.db, other.org.id, soon.connection.id, { overlapSeconds: 3600, createdByUserId: other.admin.id });
    await warnExpiringKeys(tdb.db);
    await warnExpiringKeys(tdb.db);
    // Told of its expiry, then of its overlap's end; the successor (five days again) as any key.
    expect((await warnings(other.org.id)).map((w) => w.payload.connection_id).sort()).toEqual(
      [soon.connection.id, soon.connection.id, successor!.connection.id].sort(),
    );
    const rotatedEmail = keyExpiringEmail({ what: 'rotated API key', orgName: 'Acme', keyName: 'deploys', keyPrefix: 'gk_12345678', expiresAt: inDays(1), open: 'https://gl.example.test/connections' });
    expect(rotatedEmail.text).toContain('The rotated API key "deploys" (gk_12345678…)');
    expect(rotatedEmail.text).toContain('a new key replaces it');
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
