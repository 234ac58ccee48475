import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { connectInBrowser, memberWithPassword, pkcePair, registerClient, tokenRequest } from '../../testing/oauth.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('who may manage members', () => {
  it.each(['approver', 'viewer'] as const)('a signed-in %s cannot list, add, change or remove members (403)', async (role) => {
    const seed = await seedOrg(server.db);
    const session = await signedIn(server, seed, role);
    const other = await seed.addUser('viewer');
    const message = `only admins can do this; you are ${role}`;
    const calls = [
      session.http().get('/api/v1/members'),
      session.http().post('/api/v1/members').send({ email: 'someone@example.test', role: 'admin' }),
      session.http().patch(`/api/v1/members/${other.id}`).send({ role: 'admin' }),
      session.http().patch(`/api/v1/members/${session.user.id}`).send({ role: 'admin' }),
      session.http().delete(`/api/v1/members/${seed.admin.id}`),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message });
    }
    const roles = (await (await signedIn(server, seed)).http().get('/api/v1/members').expect(200)).body.data.map((m: { role: string }) => m.role);
    expect(roles.sort()).toEqual(['admin', role, 'viewer'].sort());
  });

  it("an OAuth token of an admin cannot manage members (403): a person's grant is not the person", async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'admin');
    const app = await registerClient(server, seed);
    const { verifier, challenge } = pkcePair();
    const back = await connectInBrowser(server, user, { client_id: app.clientId, redirect_uri: app.redirectUri, code_challenge: challenge, code_challenge_method: 'S256' });
    const tokens = await tokenRequest(server, {
      grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: app.redirectUri,
      client_id: app.clientId, client_secret: app.clientSecret, code_verifier: verifier,
    }).expect(200);
    const res = await server.http(tokens.body.access_token).post('/api/v1/members').send({ email: 'x@example.test' }).expect(403);
    expect(res.body.error.message).toBe('only an admin signed in to the dashboard can do this; API keys and OAuth tokens cannot');
  });

  it('a member mutation without the CSRF token → 403, nothing changes', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const viewer = await seed.addUser('viewer');
    await admin.http({ csrf: false }).patch(`/api/v1/members/${viewer.id}`).send({ role: 'admin' }).expect(403);
    await admin.http({ csrf: false }).post('/api/v1/members').send({ email: 'x@example.test' }).expect(403);
    const roles = (await admin.http().get('/api/v1/members').expect(200)).body.data.map((m: { role: string }) => m.role);
    expect(roles).toEqual(['admin', 'viewer']);
  });

  it("another org's member → 404, and an admin cannot reach into another org", async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const victim = await other.addUser('approver');
    const admin = await signedIn(server, seed);
    expect((await admin.http().patch(`/api/v1/members/${victim.id}`).send({ role: 'viewer' }).expect(404)).body.error.message).toBe('member not found');
    await admin.http().delete(`/api/v1/members/${other.admin.id}`).expect(404);
    const roles = (await (await signedIn(server, other)).http().get('/api/v1/members').expect(200)).body.data.map((m: { role: string }) => m.role);
    expect(roles).toEqual(['admin', 'approver']);
  });

  it('two admins demoting each other at once: exactly one succeeds, the org keeps an admin', async () => {
    for (let round = 0; round < 5; round++) {
      const seed = await seedOrg(server.db);
      const a = await signedIn(server, seed);
      const b = await signedIn(server, seed, 'admin');
      const results = await Promise.all([
        a.http().patch(`/api/v1/members/${b.user.id}`).send({ role: 'viewer' }),
        b.http().patch(`/api/v1/members/${a.user.id}`).send({ role: 'viewer' }),
      ]);
      const statuses = results.map((r) => r.status);
      // The loser may also be refused because it was demoted first (403): either way, one admin is left.
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 200).every((s) => s === 409 || s === 403)).toBe(true);
      const { rows } = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM memberships WHERE org_id = $1 AND role = 'admin'`, [seed.org.id]);
      expect(rows[0]!.n).toBe(1);
    }
  });

  it('a removed member: their sessions and OAuth grants in the org are revoked at once', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const app = await registerClient(server, seed);
    const { verifier, challenge } = pkcePair();
    const back = await connectInBrowser(server, user, { client_id: app.clientId, redirect_uri: app.redirectUri, code_challenge: challenge, code_challenge_method: 'S256' });
    const tokens = await tokenRequest(server, {
      grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: app.redirectUri,
      client_id: app.clientId, client_secret: app.clientSecret, code_verifier: verifier,
    }).expect(200);
    await server.http(tokens.body.access_token).get('/api/v1/me').expect(200);
    await (await signedIn(server, seed)).http().delete(`/api/v1/members/${user.id}`).expect(200);
    await server.http(tokens.body.access_token).get('/api/v1/me').expect(401);
    const refresh = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: app.clientId, client_secret: app.clientSecret });
    expect(refresh.body.error).toBe('invalid_grant');
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connections WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
    expect(rows[0]!.n).toBe(0);
  });
});
