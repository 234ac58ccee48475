/**
 * The admin API over HTTP: the emergency stop (PATCH /api/v1/org) and OAuth clients. Only an admin
 * signed in to the dashboard, with the session's CSRF token on changes; never a non-admin, an API
 * key or an OAuth token (even an admin's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { connectInBrowser, memberWithPassword, pkcePair, tokenRequest } from '../../testing/oauth.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const ADMIN_ONLY = 'only an admin signed in to the dashboard can do this; API keys and OAuth tokens cannot';
const REDIRECT = 'https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/';

/** Registers a client through the admin API and connects a member of `role` through the real pages. */
async function oauthToken(seed: SeededOrg, role: 'admin' | 'approver' | 'viewer') {
  const admin = await signedIn(server, seed);
  const client = (await admin.http().post('/api/v1/oauth-clients').send({ name: 'Zapier', redirect_uris: [REDIRECT] }).expect(201)).body;
  const user = await memberWithPassword(server, seed, role);
  const { verifier, challenge } = pkcePair();
  const back = await connectInBrowser(server, user, { client_id: client.client_id, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' });
  const tokens = await tokenRequest(server, {
    grant_type: 'authorization_code',
    code: back.searchParams.get('code')!,
    redirect_uri: REDIRECT,
    client_id: client.client_id,
    client_secret: client.client_secret,
    code_verifier: verifier,
  }).expect(200);
  return { client, accessToken: tokens.body.access_token as string };
}

const stopOf = async (seed: SeededOrg) => (await server.http(seed.key).get('/api/v1/me').expect(200)).body.org.emergency_stop as boolean;

describe('the emergency stop (PATCH /api/v1/org)', () => {
  it('an admin session turns it on and off; while on, changes to approval requests answer 503', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const on = await admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    expect(on.body).toEqual({ id: seed.org.id, slug: seed.org.slug, name: seed.org.name, emergency_stop: true, admin_override: false, resolve_policy: 'approvers' });
    expect(await stopOf(seed)).toBe(true);
    expect((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(503)).body.error.code).toBe('EMERGENCY_STOP');
    await admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    expect(await stopOf(seed)).toBe(false);
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
  });

  it('an admin session without the CSRF token → 403, and the stop is unchanged', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const res = await admin.http({ csrf: false }).patch('/api/v1/org').send({ emergency_stop: true }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'a signed-in request that changes something must carry the X-CSRF-Token header' });
    const wrong = await admin.http({ csrf: false }).patch('/api/v1/org').set('X-CSRF-Token', `${admin.csrf.slice(0, -2)}xx`).send({ emergency_stop: true });
    expect(wrong.status).toBe(403);
    expect(await stopOf(seed)).toBe(false);
  });

  it.each(['approver', 'viewer'] as const)('a signed-in %s → 403, and the stop is unchanged', async (role) => {
    const seed = await seedOrg(server.db);
    const session = await signedIn(server, seed, role);
    const res = await session.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(403);
    expect(res.body.error).toEqual({ code: 'FORBIDDEN', message: `only admins can do this; you are ${role}`, request_id: expect.any(String) });
    expect(await stopOf(seed)).toBe(false);
  });

  it.each(['approver', 'admin'] as const)("an OAuth token of an %s → 403, whatever the person's role", async (role) => {
    const seed = await seedOrg(server.db);
    const { accessToken } = await oauthToken(seed, role);
    await server.http(accessToken).get('/api/v1/me').expect(200);
    const res = await server.http(accessToken).patch('/api/v1/org').send({ emergency_stop: true }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: ADMIN_ONLY });
    expect(await stopOf(seed)).toBe(false);
  });

  it('an all-scope API key → 403', async () => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).patch('/api/v1/org').send({ emergency_stop: true }).expect(403);
    expect(res.body.error.message).toBe(ADMIN_ONLY);
    expect(await stopOf(seed)).toBe(false);
  });

  it('an admin of another org changes only their own org', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    await (await signedIn(server, other)).http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    expect(await stopOf(seed)).toBe(false);
    expect(await stopOf(other)).toBe(true);
  });
});

describe('OAuth clients', () => {
  it('an admin registers a client (secret shown once), lists it without the secret, and revoking it ends its grants', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const { client, accessToken } = await oauthToken(seed, 'approver');
    expect(client).toMatchObject({ name: 'Zapier', redirect_uris: [REDIRECT], scopes: ['approvals:read', 'approvals:write', 'comments:write'], rate_limit: 100, revoked_at: null });
    expect(client.client_secret).toMatch(/^glcs_/);

    const list = await admin.http().get('/api/v1/oauth-clients').expect(200);
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([client.id]);
    expect(JSON.stringify(list.body)).not.toContain(client.client_secret);

    await server.http(accessToken).get('/api/v1/me').expect(200);
    const revoked = await admin.http().delete(`/api/v1/oauth-clients/${client.id}`).expect(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    const after = await server.http(accessToken).get('/api/v1/me').expect(401);
    expect(after.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it.each([
    ['http to a public host', ['http://example.com/cb'], 'redirect_uris.0: must use https (http only for localhost)'],
    ['a fragment', ['https://example.com/cb#x'], 'redirect_uris.0: must not contain a fragment'],
    ['a relative URI', ['/cb'], 'redirect_uris.0: must be an absolute URL'],
  ])('refuses a redirect URI with %s → 400', async (_case, uris, message) => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const res = await admin.http().post('/api/v1/oauth-clients').send({ name: 'X', redirect_uris: uris }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
  });

  it.each(['approver', 'viewer'] as const)('a signed-in %s cannot create, list or revoke clients', async (role) => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const client = (await admin.http().post('/api/v1/oauth-clients').send({ name: 'Make', redirect_uris: [REDIRECT] }).expect(201)).body;
    const session = await signedIn(server, seed, role);
    const message = `only admins can do this; you are ${role}`;
    expect((await session.http().post('/api/v1/oauth-clients').send({ name: 'X', redirect_uris: [REDIRECT] }).expect(403)).body.error.message).toBe(message);
    expect((await session.http().get('/api/v1/oauth-clients').expect(403)).body.error.message).toBe(message);
    expect((await session.http().delete(`/api/v1/oauth-clients/${client.id}`).expect(403)).body.error.message).toBe(message);
    expect((await admin.http().get('/api/v1/oauth-clients').expect(200)).body.data[0].revoked_at).toBeNull();
  });

  it("another org's client → 404", async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const client = (await (await signedIn(server, other)).http().post('/api/v1/oauth-clients').send({ name: 'Zapier', redirect_uris: [REDIRECT] }).expect(201)).body;
    const res = await (await signedIn(server, seed)).http().delete(`/api/v1/oauth-clients/${client.id}`).expect(404);
    expect(res.body.error.message).toBe('OAuth client not found');
  });
});
