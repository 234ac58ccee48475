import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const ok = { client_name: 'Claude', redirect_uris: ['http://127.0.0.1:5555/callback'], token_endpoint_auth_method: 'none' };
const register = (body: unknown) => supertest(server.url).post('/oauth/register').send(body as object);

describe('POST /oauth/register refuses bad client metadata with RFC 7591 §3.2.2 errors (400, JSON, no-store)', () => {
  it.each([
    ['no redirect_uris', { client_name: 'x' }, 'invalid_redirect_uri', /redirect_uris/],
    ['an empty redirect_uris', { ...ok, redirect_uris: [] }, 'invalid_redirect_uri', /redirect_uris/],
    ['plain http to a public host', { ...ok, redirect_uris: ['http://evil.example/cb'] }, 'invalid_redirect_uri', /must use https \(http only for localhost\)/],
    ['a fragment', { ...ok, redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri', /must not contain a fragment/],
    ['credentials in the URI', { ...ok, redirect_uris: ['https://user:pw@app.example/cb'] }, 'invalid_redirect_uri', /must not contain credentials/],
    ['a javascript: URI', { ...ok, redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', /must use https/],
    ['a relative URI', { ...ok, redirect_uris: ['/callback'] }, 'invalid_redirect_uri', /must be an absolute URL/],
    ['a redirect URI that is not a string', { ...ok, redirect_uris: [42] }, 'invalid_redirect_uri', /redirect_uris/],
    ['a confidential client', { ...ok, token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata', /token_endpoint_auth_method must be none/],
    ['the implicit grant', { ...ok, grant_types: ['implicit'] }, 'invalid_client_metadata', /grant_types may hold only authorization_code and refresh_token/],
    ['refresh_token without authorization_code', { ...ok, grant_types: ['refresh_token'] }, 'invalid_client_metadata', /grant_types must include authorization_code/],
    ['response type token', { ...ok, response_types: ['token'] }, 'invalid_client_metadata', /response_types may hold only code/],
    ['an unknown scope', { ...ok, scope: 'approvals:read admin' }, 'invalid_client_metadata', /scope may hold only/],
    ['an over-long name', { ...ok, client_name: 'x'.repeat(201) }, 'invalid_client_metadata', /client_name/],
    ['a JSON array', [ok], 'invalid_client_metadata', /JSON object/],
  ])('%s → %s', async (_name, body, error, description) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({ error, error_description: expect.stringMatching(description) });
  });

  it('a body that is not JSON → 400 invalid_client_metadata', async () => {
    const res = await supertest(server.url).post('/oauth/register').type('form').send('redirect_uris=https://a.example/cb');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
    const broken = await supertest(server.url).post('/oauth/register').set('Content-Type', 'application/json').send('{"redirect_uris": [');
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('invalid_client_metadata');
  });

  it('an oversize body → 413 in the same format', async () => {
    const res = await register({ ...ok, client_name: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('invalid_client_metadata');
  });

  it('GET → 405 with Allow: POST', async () => {
    const res = await supertest(server.url).get('/oauth/register');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('nothing was stored by any refused registration', async () => {
    const { rows } = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM oauth_clients WHERE registration = 'dynamic'");
    expect(rows[0]!.n).toBe(0);
  });
});
