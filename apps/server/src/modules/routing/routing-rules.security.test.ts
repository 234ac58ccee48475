import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { createRequest } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('routing rules: who may change them, and tenant isolation', () => {
  it('members read the rules; approvers, viewers and API keys cannot change or replay them (403 with the reason), and nothing is written', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const set = (await admin.http().put('/api/v1/routing-rules').send({ rules: [{ name: 'All', action: { approvers: { user_ids: [seed.admin.id] } } }] }).expect(200)).body;
    for (const role of ['approver', 'viewer'] as const) {
      const member = await signedIn(server, seed, role);
      expect((await member.http().get('/api/v1/routing-rules').expect(200)).body).toEqual(set);
      for (const res of [
        await member.http().put('/api/v1/routing-rules').send({ rules: [] }),
        await member.http().post('/api/v1/routing-rules/dry-run').send({ rules: [] }),
        await member.http().delete(`/api/v1/routing-rules/${set.rules[0].id}`),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body.error).toEqual({ code: 'FORBIDDEN', message: `only admins can do this; you are ${role}`, request_id: expect.any(String) });
      }
    }
    expect((await server.http(seed.key).get('/api/v1/routing-rules').expect(200)).body).toEqual(set);
    const byKey = await server.http(seed.key).put('/api/v1/routing-rules').send({ rules: [] });
    expect(byKey.status).toBe(403);
    expect(byKey.body.error.message).toBe('only an admin signed in to the dashboard can do this; API keys and OAuth tokens cannot');
    expect((await admin.http().get('/api/v1/routing-rules').expect(200)).body.version).toBe(1);
    const audit = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE org_id = $1 AND type = 'routing_rules.updated'", [seed.org.id]);
    expect(audit.rows[0]!.n).toBe(1);
  });

  it("another org's rules are invisible: not listed, not found by id, not deletable, never route this org's requests, and never replayed", async () => {
    const ours = await seedOrg(server.db);
    const theirs = await seedOrg(server.db);
    const theirAdmin = await signedIn(server, theirs);
    const theirSet = (
      await theirAdmin.http().put('/api/v1/routing-rules').send({ rules: [{ name: 'Theirs', action: { approvers: { user_ids: [theirs.admin.id] } } }] }).expect(200)
    ).body;
    const theirRequest = await createRequest(server, theirs.key, { title: 'Their secret request' });
    const admin = await signedIn(server, ours);
    expect((await admin.http().get('/api/v1/routing-rules').expect(200)).body).toEqual({ version: 0, rules: [], updated_at: null, updated_by: null });
    expect((await server.http(ours.key).get(`/api/v1/routing-rules/${theirSet.rules[0].id}`)).status).toBe(404);
    expect((await admin.http().delete(`/api/v1/routing-rules/${theirSet.rules[0].id}`)).status).toBe(404);
    // Naming their rule's id in our set is refused as unknown, and takes nothing over.
    const taken = await admin.http().put('/api/v1/routing-rules').send({ rules: [{ id: theirSet.rules[0].id, name: 'Mine', action: { approvers: { user_ids: [ours.admin.id] } } }] });
    expect(taken.status).toBe(400);
    expect((await theirAdmin.http().get('/api/v1/routing-rules').expect(200)).body).toEqual(theirSet);

    const mine = await createRequest(server, ours.key);
    expect((await server.http(ours.key).get(`/api/v1/approvals/${mine.id}`).expect(200)).body.routing).toBeNull();
    const dry = (await admin.http().post('/api/v1/routing-rules/dry-run').send({ rules: [] }).expect(200)).body;
    expect(dry.requests.map((r: { approval_id: string }) => r.approval_id)).toEqual([mine.id]);
    expect(JSON.stringify(dry)).not.toContain(theirRequest.id);
    expect((await theirAdmin.http().get(`/api/v1/routing-rules/${theirSet.rules[0].id}`).expect(200)).body.name).toBe('Theirs');
  });
});
