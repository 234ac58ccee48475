/**
 * Rotating a confidential OAuth client's secret: a new secret is answered once; the previous one
 * authenticates the client until the end of the overlap, then is refused; a second rotation ends the
 * oldest at once; rotations are audited; other orgs' and public clients
 * are not found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';
import { basicAuth, registerClient } from '../../testing/oauth.ts';
import { endPreviousOAuthClientSecret, registerDynamicClient } from './clients.ts';

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  seed = await seedOrg(server.db, 'Rotating clients');
  admin = await signedIn(server, seed);
});
afterAll(() => server.stop());

/**
 * Whether the client authenticates with this secret: RFC 7009 revocation of a token that is not one
 * answers 200 to an authenticated client and `invalid_client` (401 with Basic) to any other.
 */
const authenticates = async (clientId: string, secret: string): Promise<boolean> => {
  const res = await server.http().post('/oauth/revoke').set('Authorization', basicAuth(clientId, secret)).type('form').send({ token: 'not-a-token' });
  expect([200, 401]).toContain(res.status);
  return res.status === 200;
};

describe('rotating an OAuth client secret', () => {
  it('answers a new secret; both work within the overlap; the old one is refused after it', async () => {
    const app = await registerClient(server, seed);
    expect(await authenticates(app.clientId, app.clientSecret)).toBe(true);
    const before = Date.now();
    const res = await admin.http().post(`/api/v1/oauth-clients/${app.id}/rotate-secret`).send({ overlap_seconds: 3600 }).expect(201);
    expect(res.body).toMatchObject({ id: app.id, client_id: app.clientId, registration: 'admin' });
    expect(res.body.client_secret).toMatch(/^glcs_/);
    expect(res.body.client_secret).not.toBe(app.clientSecret);
    const ends = Date.parse(res.body.previous_secret_expires_at);
    expect(ends).toBeGreaterThanOrEqual(before + 3600_000 - 5_000);
    expect(ends).toBeLessThanOrEqual(Date.now() + 3600_000 + 5_000);

    expect(await authenticates(app.clientId, app.clientSecret)).toBe(true);
    expect(await authenticates(app.clientId, res.body.client_secret)).toBe(true);
    expect(await authenticates(app.clientId, 'glcs_something-else')).toBe(false);
    const listed = (await admin.http().get('/api/v1/oauth-clients').expect(200)).body.data.find((c: { id: string }) => c.id === app.id);
    expect(listed.previous_secret_expires_at).toBe(res.body.previous_secret_expires_at);
    expect(listed).not.toHaveProperty('client_secret');

    // The overlap ends (by the one writer, as its time passing would): only the new secret works.
    expect(await endPreviousOAuthClientSecret(server.db, seed.org.id, app.id)).toBe(true);
    expect(await authenticates(app.clientId, app.clientSecret)).toBe(false);
    expect(await authenticates(app.clientId, res.body.client_secret)).toBe(true);
    const after = (await admin.http().get('/api/v1/oauth-clients').expect(200)).body.data.find((c: { id: string }) => c.id === app.id);
    expect(after.previous_secret_expires_at).toBeNull();
  });

  it('defaults to a day of overlap; overlap 0 ends the old secret at once; a second rotation ends the oldest', async () => {
    const app = await registerClient(server, seed);
    const first = await admin.http().post(`/api/v1/oauth-clients/${app.id}/rotate-secret`).send({}).expect(201);
    const day = Date.parse(first.body.previous_secret_expires_at) - Date.now();
    expect(day).toBeGreaterThan(86_400_000 - 10_000);
    expect(day).toBeLessThanOrEqual(86_400_000);
    const second = await admin.http().post(`/api/v1/oauth-clients/${app.id}/rotate-secret`).send({ overlap_seconds: 600 }).expect(201);
    expect(await authenticates(app.clientId, app.clientSecret)).toBe(false);
    expect(await authenticates(app.clientId, first.body.client_secret)).toBe(true);
    expect(await authenticates(app.clientId, second.body.client_secret)).toBe(true);
    const third = await admin.http().post(`/api/v1/oauth-clients/${app.id}/rotate-secret`).send({ overlap_seconds: 0 }).expect(201);
    expect(await authenticates(app.clientId, second.body.client_secret)).toBe(false);
    expect(await authenticates(app.clientId, third.body.client_secret)).toBe(true);
  });

  it('is recorded in the audit log, without the secret', async () => {
    const app = await registerClient(server, seed, { name: 'Audited app' });
    const res = await admin.http().post(`/api/v1/oauth-clients/${app.id}/rotate-secret`).send({ overlap_seconds: 60 }).expect(201);
    const log = (await admin.http().get('/api/v1/audit-log?type=oauth_client.secret_rotated').expect(200)).body.data as { target: unknown; details: Record<string, unknown>; actor: unknown }[];
    const entry = log.find((e) => (e.target as { id: string }).id === app.id);
    expect(entry).toMatchObject({
      actor: { type: 'user', id: admin.user.id },
      details: { name: 'Audited app', client_id: app.clientId, overlap_seconds: 60, previous_secret_expires_at: res.body.previous_secret_expires_at },
    });
    expect(JSON.stringify(log)).not.toContain(res.body.client_secret);
  });

  it.each([
    ['overlap too long', { overlap_seconds: 31 * 86_400 }],
    ['negative overlap', { overlap_seconds: -1 }],
    ['not a number', { overlap_seconds: '1h' }],
    ['an unknown field', { secret: 'mine' }],
  ])('refuses %s with 400 and changes nothing', async (_name, body) => {
    const app = await registerClient(server, seed);
    const res = await admin.http().post(`/api/v1/oauth-clients/${app.id}/rotate-secret`).send(body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(await authenticates(app.clientId, app.clientSecret)).toBe(true);
  });

  it("answers 404 for another org's client, a revoked one and a self-registered (public) one", async () => {
    const other = await seedOrg(server.db, 'Other clients');
    const theirs = await registerClient(server, other);
    await admin.http().post(`/api/v1/oauth-clients/${theirs.id}/rotate-secret`).send({}).expect(404);
    expect(await authenticates(theirs.clientId, theirs.clientSecret)).toBe(true);
    const revoked = await registerClient(server, seed);
    await admin.http().delete(`/api/v1/oauth-clients/${revoked.id}`).expect(200);
    await admin.http().post(`/api/v1/oauth-clients/${revoked.id}/rotate-secret`).send({}).expect(404);
    const dynamic = await registerDynamicClient(server.db, { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] });
    await admin.http().post(`/api/v1/oauth-clients/${dynamic.id}/rotate-secret`).send({}).expect(404);
  });
});
