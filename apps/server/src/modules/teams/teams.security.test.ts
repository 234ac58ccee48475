import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('teams: who may change them, and tenant isolation', () => {
  it('approvers, viewers and API keys cannot change teams, and nothing is written or audited', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const team = (await admin.http().post('/api/v1/teams').send({ name: 'SRE' }).expect(201)).body;
    const approver = await signedIn(server, seed, 'approver');
    for (const who of [approver, await signedIn(server, seed, 'viewer')]) {
      expect((await who.http().post('/api/v1/teams').send({ name: 'Mine' })).status).toBe(403);
      expect((await who.http().post(`/api/v1/teams/${team.id}/members`).send({ user_id: who.user.id })).status).toBe(403);
      expect((await who.http().delete(`/api/v1/teams/${team.id}`)).status).toBe(403);
    }
    expect((await server.http(seed.key).post('/api/v1/teams').send({ name: 'Keys' })).status).toBe(403);
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.org_id = $1', [seed.org.id]);
    expect(rows[0]!.n).toBe(0);
    const audit = await server.db.query<{ type: string }>("SELECT type FROM audit_log WHERE org_id = $1 AND type LIKE 'team.%'", [seed.org.id]);
    expect(audit.rows.map((r) => r.type)).toEqual(['team.created']);
  });

  it("another org's team is not found: read, rename, delete, membership", async () => {
    const seed = await seedOrg(server.db);
    const theirs = (await (await signedIn(server, await seedOrg(server.db))).http().post('/api/v1/teams').send({ name: 'Theirs' }).expect(201)).body;
    const admin = await signedIn(server, seed);
    expect((await server.http(seed.key).get(`/api/v1/teams/${theirs.id}`)).status).toBe(404);
    expect((await admin.http().patch(`/api/v1/teams/${theirs.id}`).send({ name: 'Ours' })).status).toBe(404);
    expect((await admin.http().post(`/api/v1/teams/${theirs.id}/members`).send({ user_id: seed.admin.id })).status).toBe(404);
    expect((await admin.http().delete(`/api/v1/teams/${theirs.id}`)).status).toBe(404);
    expect((await admin.http().get('/api/v1/teams').expect(200)).body.data).toEqual([]);
  });
});
