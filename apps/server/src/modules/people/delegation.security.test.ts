import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe('who may set a delegation', () => {
  it('API keys may not (a person is away, not a credential); a viewer cannot hand work on; only admins set one for someone else', async () => {
    const seed = await seedOrg(server.db);
    const dana = await seed.addUser('approver');
    const bob = await seed.addUser('approver');
    const key = await server.http(seed.key).post('/api/v1/me/delegation').send({ delegate_id: dana.id, ends_at: inAnHour() });
    expect(key.status).toBe(403);
    expect((await server.http(seed.key).get('/api/v1/me/delegation')).status).toBe(403);
    const viewer = await signedIn(server, seed, 'viewer');
    expect((await viewer.http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, ends_at: inAnHour() })).status).toBe(403);
    const approver = await signedIn(server, seed, 'approver');
    const other = await approver.http().post(`/api/v1/members/${bob.id}/delegation`).send({ delegate_id: dana.id, ends_at: inAnHour() });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
    expect((await approver.http().delete(`/api/v1/members/${bob.id}/delegation`)).status).toBe(403);
    // Without the session's CSRF token a change is refused.
    expect((await approver.http({ csrf: false }).post('/api/v1/me/delegation').send({ delegate_id: dana.id, ends_at: inAnHour() })).status).toBe(403);
    const { rows } = await server.db.query('SELECT 1 FROM delegations WHERE org_id = $1', [seed.org.id]);
    expect(rows).toEqual([]);
  });

  it("an admin of another org cannot set or read this org's member's delegation (404)", async () => {
    const seed = await seedOrg(server.db);
    const bob = await seed.addUser('approver');
    const other = await seedOrg(server.db);
    const otherAdmin = await signedIn(server, other);
    const otherMember = await other.addUser('approver');
    expect((await otherAdmin.http().get(`/api/v1/members/${bob.id}/delegation`)).status).toBe(404);
    expect((await otherAdmin.http().post(`/api/v1/members/${bob.id}/delegation`).send({ delegate_id: otherMember.id, ends_at: inAnHour() })).status).toBe(404);
  });
});
