import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { OAUTH_SETTINGS } from './settings.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const body = { client_name: 'Claude Desktop', redirect_uris: ['http://127.0.0.1:6277/oauth/callback'], token_endpoint_auth_method: 'none' };

describe('dynamic client registration (RFC 7591)', () => {
  it('registers a public client: no secret, no org, the metadata as registered, ignoring fields it does not use', async () => {
    const res = await supertest(server.url)
      .post('/oauth/register')
      .send({ ...body, logo_uri: 'https://cdn.example/logo.png', jwks: { keys: [] }, scope: 'approvals:read approvals:write' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      client_id: expect.stringMatching(/^glc_[0-9a-f]{32}$/),
      client_id_issued_at: expect.any(Number),
      client_name: 'Claude Desktop',
      redirect_uris: body.redirect_uris,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'approvals:read approvals:write',
    });
    const { rows } = await server.db.query('SELECT org_id, client_secret_hash, registration, rate_limit, rate_limit_window FROM oauth_clients WHERE client_id = $1', [res.body.client_id]);
    expect(rows).toEqual([{ org_id: null, client_secret_hash: null, registration: 'dynamic', rate_limit: OAUTH_SETTINGS.dynamicClientRateLimit, rate_limit_window: 'hour' }]);
  });

  it('a client that leaves token_endpoint_auth_method out is registered as public, and told so', async () => {
    const res = await supertest(server.url).post('/oauth/register').send({ redirect_uris: ['https://agent.example/cb'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ token_endpoint_auth_method: 'none', client_name: 'Unnamed application' });
    expect(res.body).not.toHaveProperty('client_secret');
  });

  it(`is rate limited per client address (${OAUTH_SETTINGS.registrationsPerIp} an hour): then 429 with Retry-After, and nothing stored`, async () => {
    const before = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM oauth_clients WHERE registration = 'dynamic'");
    // Two were made above.
    for (let i = before.rows[0]!.n; i < OAUTH_SETTINGS.registrationsPerIp; i++) {
      expect((await supertest(server.url).post('/oauth/register').send(body)).status).toBe(201);
    }
    const refused = await supertest(server.url).post('/oauth/register').send(body);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/too many client registrations/) });
    const after = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM oauth_clients WHERE registration = 'dynamic'");
    expect(after.rows[0]!.n).toBe(OAUTH_SETTINGS.registrationsPerIp);
  });

  it('the database holds the shape: a registered-by-itself client has neither org nor secret, an admin one both', async () => {
    await expect(
      server.db.query("INSERT INTO oauth_clients (org_id, client_id, client_secret_hash, name, redirect_uris, scopes, registration) VALUES (NULL, 'glc_x', 'h', 'x', ARRAY['https://a.example/cb'], ARRAY['approvals:read'], 'dynamic')"),
    ).rejects.toThrow(/oauth_clients_registration_shape/);
    await expect(
      server.db.query("INSERT INTO oauth_clients (org_id, client_id, client_secret_hash, name, redirect_uris, scopes) VALUES (NULL, 'glc_y', NULL, 'y', ARRAY['https://a.example/cb'], ARRAY['approvals:read'])"),
    ).rejects.toThrow(/oauth_clients_registration_shape/);
  });
});
