import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { Browser, connectInBrowser, hiddenFields, memberWithPassword, pkcePair, registerClient, tokenRequest } from '../../testing/oauth.ts';
import { sessionOf, signedIn, type SignedIn } from '../../testing/session.ts';
import { PASSWORD_CHANGES_PER_HOUR } from './change-password.ts';
import { TEST_PASSWORD } from '../../testing/oauth.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function withPassword(): Promise<SignedIn> {
  const seed = await seedOrg(server.db);
  const user = await memberWithPassword(server, seed, 'approver');
  return sessionOf(server, seed, user);
}

describe('POST /api/v1/me/password errors', () => {
  it.each<[string, object, string]>([
    ['no current password while one is set', { new_password: 'a new long password' }, 'current_password is required'],
    ['a wrong current password', { current_password: 'wrong password!!', new_password: 'a new long password' }, 'current_password is wrong'],
    ['a new password under 12 characters', { current_password: TEST_PASSWORD, new_password: 'short' }, 'new_password: Too small: expected string to have >=12 characters'],
    ['a new password over 256 characters', { current_password: TEST_PASSWORD, new_password: 'x'.repeat(257) }, 'new_password: Too big: expected string to have <=256 characters'],
    ['no new password', { current_password: TEST_PASSWORD }, 'new_password is required'],
    ['an unknown field', { new_password: 'a new long password', user_id: 'x' }, 'unknown field: user_id'],
  ])('%s → 400 VALIDATION_ERROR', async (_case, body, message) => {
    const session = await withPassword();
    const res = await session.http().post('/api/v1/me/password').send(body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
    // The old password still works: nothing changed.
    expect((await new Browser(server.url).signIn(session.user.email, TEST_PASSWORD)).status).toBe(303);
  });

  it(`is limited to ${PASSWORD_CHANGES_PER_HOUR} attempts per hour: guessing the current password stops there`, async () => {
    const session = await withPassword();
    for (let i = 0; i < PASSWORD_CHANGES_PER_HOUR; i++) {
      await session.http().post('/api/v1/me/password').send({ current_password: `guess number ${i}`, new_password: 'a new long password' }).expect(400);
    }
    const blocked = await session.http().post('/api/v1/me/password').send({ current_password: TEST_PASSWORD, new_password: 'a new long password' }).expect(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('who may set a password', () => {
  it('an API key → 403', async () => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).post('/api/v1/me/password').send({ new_password: 'a new long password' }).expect(403);
    expect(res.body.error.message).toBe('only a person signed in to the dashboard can do this; API keys and OAuth tokens cannot');
  });

  it("an OAuth token → 403: an integration cannot take over its user's account", async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const app = await registerClient(server, seed);
    const { verifier, challenge } = pkcePair();
    const back = await connectInBrowser(server, user, { client_id: app.clientId, redirect_uri: app.redirectUri, code_challenge: challenge, code_challenge_method: 'S256' });
    const tokens = await tokenRequest(server, {
      grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: app.redirectUri,
      client_id: app.clientId, client_secret: app.clientSecret, code_verifier: verifier,
    }).expect(200);
    await server.http(tokens.body.access_token).post('/api/v1/me/password').send({ current_password: TEST_PASSWORD, new_password: 'a new long password' }).expect(403);
  });

  it('a session without the CSRF token → 403', async () => {
    const session = await withPassword();
    const res = await session.http({ csrf: false }).post('/api/v1/me/password').send({ current_password: TEST_PASSWORD, new_password: 'a new long password' }).expect(403);
    expect(res.body.error.message).toBe('a signed-in request that changes something must carry the X-CSRF-Token header');
  });
});

describe('the password page', () => {
  it('without a session it sends to the sign-in form and back', async () => {
    const res = await supertest(server.url).get('/account/password').redirects(0).expect(303);
    expect(res.headers.location).toBe('/sign-in?return_to=%2Faccount%2Fpassword');
  });

  it.each<[string, (f: Record<string, string>) => Record<string, string>, number, string]>([
    ['a forged CSRF token', (f) => ({ ...f, csrf: 'forged', new_password: 'a new long password', confirm_password: 'a new long password' }), 403, 'Your form expired. Please try again.'],
    ['two different new passwords', (f) => ({ ...f, new_password: 'a new long password', confirm_password: 'a new long passwore' }), 400, 'The two new passwords differ.'],
    ['a short password', (f) => ({ ...f, new_password: 'short', confirm_password: 'short' }), 400, 'The new password must be 12 to 256 characters long.'],
  ])('%s → %i, nothing set', async (_case, form, status, message) => {
    const seed = await seedOrg(server.db);
    const session = await signedIn(server, seed);
    const browser = new Browser(server.url);
    browser.cookies.set('gl_session', session.cookie.split('=')[1]!);
    const page = await browser.get('/account/password');
    const res = await browser.post('/account/password', form(hiddenFields(page.text)));
    expect(res.status).toBe(status);
    expect(res.text).toContain(message);
    const { rows } = await server.db.query<{ set: boolean }>('SELECT password_hash IS NOT NULL AS set FROM users WHERE id = $1', [seed.admin.id]);
    expect(rows[0]!.set).toBe(false);
  });
});
