import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

/** Whether the database has the delegation in force now: the window holds the database clock. */
async function inForce(orgId: string, userId: string): Promise<boolean> {
  const { rows } = await server.db.query<{ in_force: boolean }>(
    'SELECT starts_at <= now() AND ends_at > now() AS in_force FROM delegations WHERE org_id = $1 AND user_id = $2',
    [orgId, userId],
  );
  return rows[0]?.in_force ?? false;
}

describe('a delegation answers `active` exactly while it is in force', () => {
  it('set without a start, it is in force from the answer on: active in the answer and in every read after', async () => {
    const seed = await seedOrg(server.db);
    const bob = await seed.addUser('approver');
    const dana = await seed.addUser('approver');
    const asBob = await sessionOf(server, seed, bob);
    const set = await asBob.http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, ends_at: at(HOUR) }).expect(200);
    expect(await inForce(seed.org.id, bob.id)).toBe(true);
    expect(set.body.delegation).toMatchObject({ delegate: { id: dana.id }, active: true });
    expect(Date.parse(set.body.delegation.starts_at)).toBeLessThanOrEqual(Date.now());
    expect((await asBob.http().get('/api/v1/me/delegation').expect(200)).body.delegation.active).toBe(true);
  });

  it('an admin setting a member away without a start: active at once', async () => {
    const seed = await seedOrg(server.db);
    const admin = await sessionOf(server, seed, seed.admin);
    const bob = await seed.addUser('approver');
    const dana = await seed.addUser('approver');
    const set = await admin.http().post(`/api/v1/members/${bob.id}/delegation`).send({ delegate_id: dana.id, ends_at: at(HOUR) }).expect(200);
    expect(set.body.delegation.active).toBe(true);
    expect((await admin.http().get(`/api/v1/members/${bob.id}/delegation`).expect(200)).body.delegation.active).toBe(true);
  });

  it('a start just past or just ahead, and an end just reached: active follows the window to the boundary', async () => {
    const seed = await seedOrg(server.db);
    const bob = await seed.addUser('approver');
    const dana = await seed.addUser('approver');
    const asBob = await sessionOf(server, seed, bob);

    // A start a second ago is in force; one a minute ahead is not yet.
    expect((await asBob.http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, starts_at: at(-1000), ends_at: at(HOUR) }).expect(200)).body.delegation.active).toBe(true);
    expect((await asBob.http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, starts_at: at(60_000), ends_at: at(HOUR) }).expect(200)).body.delegation.active).toBe(false);

    // The start reached (as time passing would: the database clock decides).
    await server.db.query(`UPDATE delegations SET starts_at = now() WHERE org_id = $1 AND user_id = $2`, [seed.org.id, bob.id]);
    expect((await asBob.http().get('/api/v1/me/delegation').expect(200)).body.delegation.active).toBe(true);
    // The end reached: it is over, no longer shown.
    await server.db.query(`UPDATE delegations SET starts_at = now() - interval '1 hour', ends_at = now() WHERE org_id = $1 AND user_id = $2`, [seed.org.id, bob.id]);
    expect((await asBob.http().get('/api/v1/me/delegation').expect(200)).body.delegation).toBeNull();
  });
});
