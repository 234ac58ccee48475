import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import {
  authorizePath,
  basicAuth,
  Browser,
  connectInBrowser,
  memberWithPassword,
  pkcePair,
  registerClient,
  tokenRequest,
  type AuthorizeParams,
} from '../../testing/oauth.ts';

let server: TestServer;
let app: Awaited<ReturnType<typeof registerClient>>;
let user: { email: string; password: string };
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  const seed = await seedOrg(server.db);
  user = await memberWithPassword(server, seed, 'approver');
  app = await registerClient(server, seed, { scopes: ['approvals:read', 'approvals:write'] });
  browser = new Browser(server.url);
  await browser.signIn(user.email, user.password);
});
afterAll(() => server.stop());

const iss = () => server.deps.config.publicUrl;
const challenge = pkcePair().challenge;
const base = (): AuthorizeParams => ({
  client_id: app.clientId,
  redirect_uri: app.redirectUri,
  state: 'st-42',
  code_challenge: challenge,
  code_challenge_method: 'S256',
});

describe('authorization endpoint: unknown client or redirect URI → an error page, never a redirect', () => {
  it.each([
    ['unknown client', { client_id: 'glc_nope' }],
    ['a client_id with a NUL (Postgres refuses it in text)', { client_id: 'glc_\u0000' }],
    ['a client_id with a control character', { client_id: 'glc_\u0007x' }],
    ['extra path', { redirect_uri: `${'https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/'}x` }],
    ['no trailing slash', { redirect_uri: 'https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI' }],
    ['extra query', { redirect_uri: 'https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/?a=1' }],
    ['other case', { redirect_uri: 'https://Zapier.com/dashboard/auth/oauth/return/App123CLIAPI/' }],
    ['missing redirect_uri', { redirect_uri: '' }],
  ])('%s', async (_case, override) => {
    const res = await browser.get(authorizePath({ ...base(), ...override }));
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('Cannot connect');
  });
});

describe('authorization endpoint: other errors redirect with error, the same state and iss', () => {
  it.each([
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request', 'code_challenge_method must be S256'],
    ['missing PKCE method', { code_challenge_method: '' }, 'invalid_request', 'code_challenge_method is required and must be S256'],
    ['challenge not a SHA-256', { code_challenge: 'short' }, 'invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)'],
    ['method without challenge', { code_challenge: '' }, 'invalid_request', 'code_challenge_method without code_challenge'],
    ['implicit grant', { response_type: 'token' }, 'unsupported_response_type', 'response_type must be code'],
    ['scope the client may not ask for', { scope: 'comments:write' }, 'invalid_scope', 'scope not allowed for this application: comments:write'],
  ])('%s → %s', async (_case, override, error, description) => {
    const res = await browser.get(authorizePath({ ...base(), ...override }));
    expect(res.status).toBe(302);
    const to = new URL(res.headers.location!);
    expect(to.origin + to.pathname).toBe(app.redirectUri);
    expect(Object.fromEntries(to.searchParams)).toEqual({ error, error_description: description, state: 'st-42', iss: iss() });
  });

  it('a consent POST without the session CSRF token is refused and issues no code', async () => {
    const res = await browser.post('/oauth/authorize', { ...base(), response_type: 'code', decision: 'allow', csrf: 'forged' } as Record<string, string>);
    expect(res.status).toBe(403);
    expect(res.headers.location).toBeUndefined();
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM oauth_codes WHERE client_id = $1', [app.id]);
    expect(rows[0]!.n).toBe(0);
  });
});

/** A fresh code for the registered client; `pkce: false` issues it without a challenge. */
async function freshCode(pkce = true) {
  const pair = pkcePair();
  const params: AuthorizeParams = pkce
    ? { ...base(), code_challenge: pair.challenge }
    : { client_id: app.clientId, redirect_uri: app.redirectUri, state: 'st-42' };
  const back = await connectInBrowser(server, user, params, 'allow', browser);
  return { code: back.searchParams.get('code')!, verifier: pair.verifier };
}

const codeForm = (code: string, verifier: string | undefined, extra: Record<string, string> = {}) => ({
  grant_type: 'authorization_code',
  code,
  redirect_uri: app.redirectUri,
  client_id: app.clientId,
  client_secret: app.clientSecret,
  ...(verifier !== undefined ? { code_verifier: verifier } : {}),
  ...extra,
});

describe('token endpoint: authorization_code rules (RFC 6749 §5.2 errors)', () => {
  it.each([
    ['wrong verifier', async () => codeForm((await freshCode()).code, pkcePair().verifier), 400, 'invalid_grant'],
    ['missing verifier', async () => codeForm((await freshCode()).code, undefined), 400, 'invalid_grant'],
    ['verifier too short (42)', async () => codeForm((await freshCode()).code, 'a'.repeat(42)), 400, 'invalid_request'],
    ['verifier too long (129)', async () => codeForm((await freshCode()).code, 'a'.repeat(129)), 400, 'invalid_request'],
    ['verifier without a challenge (downgrade)', async () => codeForm((await freshCode(false)).code, pkcePair().verifier), 400, 'invalid_grant'],
    ['other redirect_uri', async () => {
      const c = await freshCode();
      return codeForm(c.code, c.verifier, { redirect_uri: 'https://evil.example/cb' });
    }, 400, 'invalid_grant'],
    ['missing redirect_uri', async () => {
      const c = await freshCode();
      const f: Record<string, string> = codeForm(c.code, c.verifier);
      delete f.redirect_uri;
      return f;
    }, 400, 'invalid_request'],
    ['unknown code', async () => codeForm('nope-not-a-code', pkcePair().verifier), 400, 'invalid_grant'],
    ['expired code', async () => {
      const c = await freshCode();
      await server.db.query("UPDATE oauth_codes SET expires_at = now() - interval '1 second' WHERE client_id = $1 AND used_at IS NULL", [app.id]);
      return codeForm(c.code, c.verifier);
    }, 400, 'invalid_grant'],
    ['wrong client secret', async () => {
      const c = await freshCode();
      return codeForm(c.code, c.verifier, { client_secret: 'glcs_wrong' });
    }, 400, 'invalid_client'],
    ['no client secret (public client)', async () => {
      const c = await freshCode();
      const f: Record<string, string> = codeForm(c.code, c.verifier);
      delete f.client_secret;
      return f;
    }, 400, 'invalid_client'],
    ['password grant', async () => ({ grant_type: 'password', username: 'a', password: 'b', client_id: app.clientId, client_secret: app.clientSecret }), 400, 'unsupported_grant_type'],
    ['client_credentials grant', async () => ({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret }), 400, 'unsupported_grant_type'],
    ['no grant_type', async () => ({ client_id: app.clientId, client_secret: app.clientSecret }), 400, 'invalid_request'],
  ])('%s → %s %s', async (_case, build, status, error) => {
    const res = await tokenRequest(server, await build());
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error, error_description: expect.any(String) });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a code is bound to its client: another client cannot redeem it', async () => {
    const seed2 = await seedOrg(server.db);
    const other = await registerClient(server, seed2, { redirectUris: [app.redirectUri] });
    const c = await freshCode();
    const res = await tokenRequest(server, codeForm(c.code, c.verifier, { client_id: other.clientId, client_secret: other.clientSecret }));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('both client_secret_basic and client_secret_post in one request → invalid_request', async () => {
    const c = await freshCode();
    const res = await tokenRequest(server, codeForm(c.code, c.verifier), basicAuth(app.clientId, app.clientSecret));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', error_description: 'use one client authentication method: client_secret_basic or client_secret_post, not both' });
  });

  it('a wrong secret via Basic → 401 invalid_client with WWW-Authenticate', async () => {
    const c = await freshCode();
    const form: Record<string, string> = codeForm(c.code, c.verifier);
    delete form.client_secret;
    const res = await tokenRequest(server, form, basicAuth(app.clientId, 'glcs_wrong'));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.headers['www-authenticate']).toBe('Basic realm="greenlight"');
  });

  it.each([
    ['GET', () => supertest(server.url).get('/oauth/token')],
    ['a JSON body', () => supertest(server.url).post('/oauth/token').send({ grant_type: 'authorization_code' })],
    ['a repeated parameter', () => supertest(server.url).post('/oauth/token').type('form').send('grant_type=refresh_token&grant_type=refresh_token')],
  ])('%s → invalid_request', async (_case, send) => {
    const res = await send();
    expect(res.body.error).toBe('invalid_request');
    expect([400, 405]).toContain(res.status);
  });
});

describe('token endpoint: refresh_token rules', () => {
  async function pair() {
    const c = await freshCode();
    return (await tokenRequest(server, codeForm(c.code, c.verifier)).expect(200)).body as { refresh_token: string; access_token: string };
  }
  const refreshForm = (rt: string, extra: Record<string, string> = {}) => ({
    grant_type: 'refresh_token',
    refresh_token: rt,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    ...extra,
  });

  it.each([
    ['asking for a scope not granted', async () => refreshForm((await pair()).refresh_token, { scope: 'approvals:read comments:write' }), 'invalid_scope'],
    ['unknown refresh token', async () => refreshForm('glrt_unknown'), 'invalid_grant'],
    ['an access token as refresh token', async () => refreshForm((await pair()).access_token), 'invalid_grant'],
    ['expired refresh token', async () => {
      const p = await pair();
      await server.db.query("UPDATE oauth_tokens SET expires_at = now() - interval '1 second' WHERE kind = 'refresh' AND client_id = $1", [app.id]);
      return refreshForm(p.refresh_token);
    }, 'invalid_grant'],
    ['another client\'s refresh token', async () => {
      const seed2 = await seedOrg(server.db);
      const other = await registerClient(server, seed2);
      return refreshForm((await pair()).refresh_token, { client_id: other.clientId, client_secret: other.clientSecret });
    }, 'invalid_grant'],
  ])('%s → %s', async (_case, build, error) => {
    const res = await tokenRequest(server, await build());
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error, error_description: expect.any(String) });
  });

  it('a narrower scope on refresh is granted', async () => {
    const res = await tokenRequest(server, refreshForm((await pair()).refresh_token, { scope: 'approvals:read' })).expect(200);
    expect(res.body.scope).toBe('approvals:read');
    const me = await server.http(res.body.access_token).get('/api/v1/me').expect(200);
    expect(me.body.scopes).toEqual(['approvals:read']);
    const denied = await server.http(res.body.access_token).post('/api/v1/approvals').send({ title: 't', description: 'd', priority: 'low' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('INSUFFICIENT_SCOPE');
  });
});

describe('access tokens on the API', () => {
  it.each([
    ['unknown', 'glat_' + 'A'.repeat(43)],
    ['malformed', 'glat_short'],
  ])('%s access token → 401 invalid_token', async (_case, token) => {
    const res = await server.http(token).get('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="greenlight", error="invalid_token"');
  });
});
