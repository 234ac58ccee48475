/**
 * GET/POST/DELETE /api/v1/connections over HTTP: admins see and revoke every connection of the org;
 * anyone else sees and revokes only their own OAuth grants. Revoking a grant fails its access token
 * on the next request.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { connectInBrowser, memberWithPassword, pkcePair, registerClient, tokenRequest } from '../../testing/oauth.ts';
import { sessionFor, signedIn } from '../../testing/session.ts';
import { createSession } from '../users/sessions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** A member of `role` who connected Zapier through the real pages, signed in to the dashboard too. */
async function memberWithGrant(seed: SeededOrg, role: 'admin' | 'approver' | 'viewer', app?: Awaited<ReturnType<typeof registerClient>>) {
  const user = await memberWithPassword(server, seed, role);
  const client = app ?? (await registerClient(server, seed));
  const { verifier, challenge } = pkcePair();
  const back = await connectInBrowser(server, user, { client_id: client.clientId, redirect_uri: client.redirectUri, code_challenge: challenge, code_challenge_method: 'S256' });
  const tokens = await tokenRequest(server, {
    grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: client.redirectUri,
    client_id: client.clientId, client_secret: client.clientSecret, code_verifier: verifier,
  }).expect(200);
  const connectionId = (await server.http(tokens.body.access_token).get('/api/v1/me').expect(200)).body.connection.id as string;
  const session = sessionFor(server, user, await createSession(server.db, user.id, seed.org.id));
  return { user, session, app: client, accessToken: tokens.body.access_token as string, refreshToken: tokens.body.refresh_token as string, connectionId };
}

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((c) => c.id).sort();

describe('listing', () => {
  it('an admin sees every active connection: API keys and every member\'s grants, with their person', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const alice = await memberWithGrant(seed, 'approver');
    const bob = await memberWithGrant(seed, 'viewer', alice.app);
    const revokedKey = await seed.newKey();
    await admin.http().delete(`/api/v1/connections/${revokedKey.connectionId}`).expect(200);
    const res = await admin.http().get('/api/v1/connections').expect(200);
    expect(ids(res)).toEqual([seed.connectionId, alice.connectionId, bob.connectionId].sort());
    const grant = res.body.data.find((c: { id: string }) => c.id === alice.connectionId);
    expect(grant).toEqual({
      id: alice.connectionId, name: 'Zapier', auth_type: 'oauth', key_prefix: null,
      scopes: ['approvals:read', 'approvals:write', 'comments:write'], rate_limit: 1000, rate_limit_window: 'hour',
      user: { id: alice.user.id, email: alice.user.email, name: null }, created_at: expect.any(String), revoked_at: null, expires_at: null,
      created_by: { id: alice.user.id, email: alice.user.email, name: null },
    });
    const key = res.body.data.find((c: { id: string }) => c.id === seed.connectionId);
    expect(key).toMatchObject({ auth_type: 'api_key', key_prefix: seed.key.slice(0, 11), user: null });
    expect(JSON.stringify(res.body)).not.toContain(seed.key);
  });

  it.each(['approver', 'viewer'] as const)('a signed-in %s sees only their own grants', async (role) => {
    const seed = await seedOrg(server.db);
    const me = await memberWithGrant(seed, role);
    await memberWithGrant(seed, 'approver', me.app);
    const res = await me.session.http().get('/api/v1/connections').expect(200);
    expect(ids(res)).toEqual([me.connectionId]);
  });

  it('an API key or an OAuth token cannot list connections (403)', async () => {
    const seed = await seedOrg(server.db);
    const alice = await memberWithGrant(seed, 'admin');
    const message = 'only a person signed in to the dashboard can do this; API keys and OAuth tokens cannot';
    expect((await server.http(seed.key).get('/api/v1/connections').expect(403)).body.error.message).toBe(message);
    expect((await server.http(alice.accessToken).get('/api/v1/connections').expect(403)).body.error.message).toBe(message);
  });
});

describe('creating an API key', () => {
  it('an admin creates one: the key is shown once and works at once with its scopes', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const res = await admin.http().post('/api/v1/connections').send({ name: 'ci', scopes: ['approvals:read'], rate_limit: 500 }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String), name: 'ci', auth_type: 'api_key', key_prefix: res.body.api_key.slice(0, 11), scopes: ['approvals:read'],
      rate_limit: 500, rate_limit_window: 'hour', user: null, created_at: expect.any(String), revoked_at: null, expires_at: null, api_key: expect.stringMatching(/^gk_[0-9a-f]{64}$/),
      created_by: { id: seed.admin.id, email: seed.admin.email, name: null },
    });
    const me = await server.http(res.body.api_key).get('/api/v1/me').expect(200);
    expect(me.body.connection).toMatchObject({ id: res.body.id, scopes: ['approvals:read'], rate_limit: 500 });
    await server.http(res.body.api_key).get('/api/v1/approvals').expect(200);
    const list = await admin.http().get('/api/v1/connections').expect(200);
    expect(JSON.stringify(list.body)).not.toContain(res.body.api_key);
  });

  it.each(['approver', 'viewer'] as const)('a signed-in %s cannot (403)', async (role) => {
    const seed = await seedOrg(server.db);
    const session = await signedIn(server, seed, role);
    const res = await session.http().post('/api/v1/connections').send({ name: 'mine' }).expect(403);
    expect(res.body.error.message).toBe(`only admins can do this; you are ${role}`);
  });

  it.each([
    ['a rate limit above 10000', { name: 'x', rate_limit: 20_000 }, 'rate_limit: Too big: expected number to be <=10000'],
    ['an unknown scope', { name: 'x', scopes: ['admin'] }, 'scopes.0: Invalid option: expected one of "approvals:read"|"approvals:write"|"comments:write"'],
    ['no name', {}, 'name is required'],
  ])('refuses %s → 400', async (_case, body, message) => {
    const seed = await seedOrg(server.db);
    const res = await (await signedIn(server, seed)).http().post('/api/v1/connections').send(body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
  });
});

describe('revoking', () => {
  it('a member revokes their own grant: its access token gets 401 on the next request, and its refresh token is dead', async () => {
    const seed = await seedOrg(server.db);
    const me = await memberWithGrant(seed, 'viewer');
    await server.http(me.accessToken).get('/api/v1/me').expect(200);
    const res = await me.session.http().delete(`/api/v1/connections/${me.connectionId}`).expect(200);
    expect(res.body).toMatchObject({ id: me.connectionId, auth_type: 'oauth', user: { id: me.user.id }, revoked_at: expect.any(String) });
    const after = await server.http(me.accessToken).get('/api/v1/me').expect(401);
    expect(after.headers['www-authenticate']).toBe('Bearer realm="greenlight", error="invalid_token"');
    const refresh = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: me.refreshToken, client_id: me.app.clientId, client_secret: me.app.clientSecret });
    expect(refresh.body.error).toBe('invalid_grant');
    expect(ids(await me.session.http().get('/api/v1/connections').expect(200))).toEqual([]);
  });

  it("a non-admin cannot revoke someone else's grant or an API key (404, as if absent), and both keep working", async () => {
    const seed = await seedOrg(server.db);
    const alice = await memberWithGrant(seed, 'approver');
    const bob = await memberWithGrant(seed, 'approver', alice.app);
    for (const id of [alice.connectionId, seed.connectionId]) {
      const res = await bob.session.http().delete(`/api/v1/connections/${id}`).expect(404);
      expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'connection not found' });
    }
    await server.http(alice.accessToken).get('/api/v1/me').expect(200);
    await server.http(seed.key).get('/api/v1/me').expect(200);
  });

  it("an admin revokes another member's grant and an API key", async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const alice = await memberWithGrant(seed, 'approver');
    await admin.http().delete(`/api/v1/connections/${alice.connectionId}`).expect(200);
    await server.http(alice.accessToken).get('/api/v1/me').expect(401);
    const key = await seed.newKey();
    await admin.http().delete(`/api/v1/connections/${key.connectionId}`).expect(200);
    await server.http(key.key).get('/api/v1/me').expect(401);
  });

  it('revoking twice answers the same revocation; an unknown id or another org\'s connection → 404', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const key = await seed.newKey();
    const first = await admin.http().delete(`/api/v1/connections/${key.connectionId}`).expect(200);
    const second = await admin.http().delete(`/api/v1/connections/${key.connectionId}`).expect(200);
    expect(second.body.revoked_at).toBe(first.body.revoked_at);
    await admin.http().delete(`/api/v1/connections/${randomUUID()}`).expect(404);
    await admin.http().delete(`/api/v1/connections/${other.connectionId}`).expect(404);
    await server.http(other.key).get('/api/v1/me').expect(200);
  });

  it('an OAuth token cannot revoke connections, not even its own (403); a session mutation needs CSRF', async () => {
    const seed = await seedOrg(server.db);
    const me = await memberWithGrant(seed, 'admin');
    await server.http(me.accessToken).delete(`/api/v1/connections/${me.connectionId}`).expect(403);
    await me.session.http({ csrf: false }).delete(`/api/v1/connections/${me.connectionId}`).expect(403);
    await server.http(me.accessToken).get('/api/v1/me').expect(200);
  });
});
