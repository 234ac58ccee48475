import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { basicAuth, Browser, connectInBrowser, hiddenFields, memberWithPassword, pkcePair, registerClient, tokenRequest } from '../../testing/oauth.ts';
import { OAUTH_SETTINGS } from './settings.ts';
import { SIGN_IN_LIMITS } from '../users/sign-in.ts';
import { routes } from '@greenlight/contract';
import { authorizeCaller } from '../../http/authorize.ts';
import { authenticate } from '../../http/auth.ts';
import { credentials } from '../credentials.ts';
import { csrfTokenFor } from '../users/sessions.ts';
import type { Request } from 'express';

let server: TestServer;
/** The router's check of an admin-only, session-only route. */
const assertSignedInAdmin = (auth: Parameters<typeof authorizeCaller>[1]) => authorizeCaller(routes.updateOrg.authorization, auth);
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function connected(seed: SeededOrg, role: 'admin' | 'approver' | 'viewer' = 'approver') {
  const user = await memberWithPassword(server, seed, role);
  const app = await registerClient(server, seed);
  const { verifier, challenge } = pkcePair();
  const back = await connectInBrowser(server, user, {
    client_id: app.clientId,
    redirect_uri: app.redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const form = {
    grant_type: 'authorization_code',
    code: back.searchParams.get('code')!,
    redirect_uri: app.redirectUri,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    code_verifier: verifier,
  };
  return { user, app, form };
}

describe('authorization codes are single-use (RFC 6749 §4.1.2)', () => {
  it('one code redeemed twice in parallel → exactly one success, and the winner\'s tokens are revoked', async () => {
    const seed = await seedOrg(server.db);
    const { form } = await connected(seed);
    const results = await Promise.all([tokenRequest(server, form), tokenRequest(server, form)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400]);
    const winner = results.find((r) => r.status === 200)!;
    const loser = results.find((r) => r.status === 400)!;
    expect(loser.body.error).toBe('invalid_grant');
    const me = await server.http(winner.body.access_token).get('/api/v1/me');
    expect(me.status).toBe(401);
    const refresh = await tokenRequest(server, {
      grant_type: 'refresh_token',
      refresh_token: winner.body.refresh_token,
      client_id: form.client_id,
      client_secret: form.client_secret,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('a code redeemed again later revokes the connection made from it', async () => {
    const seed = await seedOrg(server.db);
    const { form } = await connected(seed);
    const first = await tokenRequest(server, form).expect(200);
    await server.http(first.body.access_token).get('/api/v1/me').expect(200);
    const second = await tokenRequest(server, form);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    expect((await server.http(first.body.access_token).get('/api/v1/me')).status).toBe(401);
  });
});

describe('refresh token rotation with a grace window (RFC 9700 §4.14)', () => {
  it('two parallel refreshes with one refresh token → both succeed with the same pair', async () => {
    const seed = await seedOrg(server.db);
    const { form } = await connected(seed);
    const tokens = await tokenRequest(server, form).expect(200);
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: form.client_id, client_secret: form.client_secret };
    const [a, b] = await Promise.all([tokenRequest(server, refresh), tokenRequest(server, refresh)]);
    expect(a!.status).toBe(200);
    expect(b!.status).toBe(200);
    expect(b!.body.access_token).toBe(a!.body.access_token);
    expect(b!.body.refresh_token).toBe(a!.body.refresh_token);
    expect(a!.body.refresh_token).not.toBe(tokens.body.refresh_token);
    await server.http(a!.body.access_token).get('/api/v1/me').expect(200);
  });

  it('a replay after the grace window revokes the whole family', async () => {
    const seed = await seedOrg(server.db);
    const { form } = await connected(seed);
    const tokens = await tokenRequest(server, form).expect(200);
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: form.client_id, client_secret: form.client_secret };
    const next = await tokenRequest(server, refresh).expect(200);
    await server.db.query(
      `UPDATE oauth_tokens SET rotated_at = now() - make_interval(secs => $1) WHERE rotated_at IS NOT NULL`,
      [OAUTH_SETTINGS.refreshGraceSeconds + 1],
    );
    const replay = await tokenRequest(server, refresh);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await server.http(next.body.access_token).get('/api/v1/me')).status).toBe(401);
    const successor = await tokenRequest(server, { ...refresh, refresh_token: next.body.refresh_token });
    expect(successor.body.error).toBe('invalid_grant');
  });

  it('tokens and codes are stored only as hashes', async () => {
    const seed = await seedOrg(server.db);
    const { form } = await connected(seed);
    const tokens = await tokenRequest(server, form).expect(200);
    const dump = JSON.stringify((await server.db.query('SELECT * FROM oauth_tokens')).rows) + JSON.stringify((await server.db.query('SELECT * FROM oauth_codes')).rows);
    expect(dump).not.toContain(tokens.body.access_token);
    expect(dump).not.toContain(tokens.body.refresh_token);
    expect(dump).not.toContain(form.code);
  });
});

describe('revocation cannot touch another client\'s tokens (RFC 7009 §2.1)', () => {
  it('answers 200 and leaves the token working', async () => {
    const seed = await seedOrg(server.db);
    const { form } = await connected(seed);
    const tokens = await tokenRequest(server, form).expect(200);
    const other = await registerClient(server, seed, { name: 'Other' });
    await supertest(server.url)
      .post('/oauth/revoke')
      .set('Authorization', basicAuth(other.clientId, other.clientSecret))
      .type('form')
      .send({ token: tokens.body.refresh_token })
      .expect(200);
    await server.http(tokens.body.access_token).get('/api/v1/me').expect(200);
  });
});

describe('roles', () => {
  it('a viewer\'s decision through an OAuth grant → 403, an approver\'s → 200', async () => {
    const seed = await seedOrg(server.db);
    const approval = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const viewer = await connected(seed, 'viewer');
    const vTokens = await tokenRequest(server, viewer.form).expect(200);
    const denied = await server.http(vTokens.body.access_token).patch(`/api/v1/approvals/${approval.body.id}`).send({ decision: 'approve' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'viewers cannot approve or reject requests' });

    const approver = await connected(seed, 'approver');
    const aTokens = await tokenRequest(server, approver.form).expect(200);
    const ok = await server.http(aTokens.body.access_token).patch(`/api/v1/approvals/${approval.body.id}`).send({ decision: 'approve' });
    expect(ok.status).toBe(200);
  });

  it('a viewer signed in to the dashboard cannot decide either; a cookie mutation needs the CSRF token', async () => {
    const seed = await seedOrg(server.db);
    const approval = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const viewer = await memberWithPassword(server, seed, 'viewer');
    const browser = new Browser(server.url);
    expect((await browser.signIn(viewer.email, viewer.password)).status).toBe(303);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const session = decodeURIComponent(browser.cookies.get('gl_session')!);

    const me = await supertest(server.url).get('/api/v1/me').set('Cookie', cookie).expect(200);
    expect(me.body.user).toMatchObject({ email: viewer.email, role: 'viewer' });

    const noCsrf = await supertest(server.url).patch(`/api/v1/approvals/${approval.body.id}`).set('Cookie', cookie).send({ decision: 'approve' });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.message).toBe('a signed-in request that changes something must carry the X-CSRF-Token header');

    const withCsrf = await supertest(server.url)
      .patch(`/api/v1/approvals/${approval.body.id}`)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrfTokenFor(session))
      .send({ decision: 'approve' });
    expect(withCsrf.status).toBe(403);
    expect(withCsrf.body.error.message).toBe('viewers cannot approve or reject requests');
  });

  it('only an admin signed in to the dashboard may manage the emergency stop and OAuth clients', async () => {
    const seed = await seedOrg(server.db);
    const authOf = async (headers: Record<string, string>, method = 'PATCH') =>
      authenticate(credentials(server.db), { method, query: {}, headers, get: (h: string) => headers[h.toLowerCase()] } as unknown as Request);
    const sessionAuth = async (role: 'admin' | 'approver' | 'viewer') => {
      const u = await memberWithPassword(server, seed, role);
      const b = new Browser(server.url);
      await b.signIn(u.email, u.password);
      const token = decodeURIComponent(b.cookies.get('gl_session')!);
      return authOf({ cookie: `gl_session=${b.cookies.get('gl_session')}`, 'x-csrf-token': csrfTokenFor(token) });
    };
    for (const role of ['viewer', 'approver'] as const) {
      const auth = await sessionAuth(role);
      expect(() => assertSignedInAdmin(auth)).toThrow(`only admins can do this; you are ${role}`);
    }
    const admin = await sessionAuth('admin');
    expect(() => assertSignedInAdmin(admin)).not.toThrow();
    const apiKey = await authOf({ authorization: `Bearer ${seed.key}` });
    expect(() => assertSignedInAdmin(apiKey)).toThrow('only an admin signed in to the dashboard can do this; API keys and OAuth tokens cannot');
    const adminGrant = await connected(seed, 'admin');
    const tokens = await tokenRequest(server, adminGrant.form).expect(200);
    const oauth = await authOf({ authorization: `Bearer ${tokens.body.access_token}` });
    expect(() => assertSignedInAdmin(oauth)).toThrow('only an admin signed in to the dashboard can do this; API keys and OAuth tokens cannot');
  });
});

describe('pages and limits', () => {
  it('the consent page cannot be framed and runs no script', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const app = await registerClient(server, seed);
    const browser = new Browser(server.url);
    await browser.signIn(user.email, user.password);
    const res = await browser.get(
      `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: app.redirectUri }).toString()}`,
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('Zapier');
    expect(res.text).toContain('approvals:write');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("form-action 'self' https://zapier.com");
  });

  it('sign-in: a wrong password answers 401, the form needs its CSRF cookie, and attempts are rate limited per email', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const forged = await supertest(server.url).post('/sign-in').type('form').send({ email: user.email, password: user.password, csrf: 'x' }).redirects(0);
    expect(forged.status).toBe(403);
    expect(forged.headers['set-cookie']?.toString() ?? '').not.toContain('gl_session=');

    const browser = new Browser(server.url);
    const wrong = await browser.signIn(user.email, 'wrong password!');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('Wrong email or password.');
    for (let i = 1; i < SIGN_IN_LIMITS.perEmail; i++) await browser.signIn(user.email, 'wrong password!');
    const blocked = await browser.signIn(user.email, user.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('the token endpoint is rate limited per client', async () => {
    const seed = await seedOrg(server.db);
    const app = await registerClient(server, seed);
    const window = await server.deps.rateLimit.consume(`oauth-token:client:${app.clientId}`, OAUTH_SETTINGS.tokenRequestsPerClient);
    for (let i = window.limit - window.remaining; i < OAUTH_SETTINGS.tokenRequestsPerClient; i++) {
      await server.deps.rateLimit.consume(`oauth-token:client:${app.clientId}`, OAUTH_SETTINGS.tokenRequestsPerClient);
    }
    const res = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: 'glrt_x', client_id: app.clientId, client_secret: app.clientSecret });
    expect(res.status).toBe(429);
    expect(res.body.error).toBe('temporarily_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('the sign-in form keeps only local return paths (no open redirect)', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const browser = new Browser(server.url);
    const page = await browser.get('/sign-in?return_to=//evil.example/x');
    const res = await browser.post('/sign-in', { ...hiddenFields(page.text), email: user.email, password: user.password });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });
});
