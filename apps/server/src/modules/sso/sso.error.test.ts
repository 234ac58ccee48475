import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { idpAccount, ssoOrg, startSsoWorld, startUrl, toCallback, type SsoWorld } from '../../testing/sso-world.ts';
import { CrossOriginBrowser } from '../../testing/oidc-provider.ts';
import { seedOrg } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { freePort } from '../../testing/spawn-server.ts';
import { SYSTEM_ACTOR } from '../../core/audit.ts';
import { ApiError } from '../../errors.ts';
import { SESSION_COOKIE } from '../users/sessions.ts';
import { SSO_STATE_COOKIE } from './sso-pages.ts';
import { updateSsoSettings } from './sso-settings.ts';

let world: SsoWorld;
beforeAll(async () => {
  world = await startSsoWorld();
}, 60_000);
afterAll(() => world.stop());

describe('configuring SSO: bad input is a 400 that names the field', () => {
  const valid = () => ({ issuer: world.idp.issuer, client_id: 'greenlight', client_secret: 'a secret' });
  it.each([
    ['the first configuration without a client secret', { issuer: 'https://idp.example.com', client_id: 'greenlight' }, 'client_secret', /client_secret is missing/],
    ['the first configuration without an issuer', { client_id: 'greenlight', client_secret: 's' }, 'issuer', /issuer is missing/],
    ['an issuer that is not a URL', { issuer: 'not a url' }, 'issuer', /https URL/],
    ['an issuer of another scheme', { issuer: 'ftp://idp.example.com' }, 'issuer', /https URL/],
    ['an unknown role as the default', { default_role: 'owner' }, 'default_role', /./],
    ['an unknown role in the group mapping', { group_roles: { admins: 'root' } }, 'group_roles', /./],
    ['an email domain that is not one', { email_domains: ['not a domain'] }, 'email_domains', /domain name/],
    ['a field the API does not have', { client_secret_plain: 'x' }, '', /./],
  ])('%s', async (_case, body, field, message) => {
    const seed = await seedOrg(world.server.db);
    const admin = await signedIn(world.server, seed);
    const first = 'issuer' in body || 'client_id' in body ? body : { ...valid(), ...body };
    const res = await admin.http().patch('/api/v1/org/sso').send(first).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error)).toMatch(message);
    if (field) expect(JSON.stringify(res.body.error.details)).toContain(field);
    await admin.http().get('/api/v1/org/sso').expect(200, /"configured":false/);
  });

  it('an http issuer where the server does not allow one', async () => {
    const seed = await seedOrg(world.server.db);
    const change = { issuer: 'http://idp.example.com', client_id: 'c', client_secret: 's' };
    const config = { publicUrl: 'https://greenlight.example.com', GREENLIGHT_SSO_ALLOW_HTTP: false };
    const err = await updateSsoSettings(world.server.db, seed.org, change, SYSTEM_ACTOR, config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toMatch(/does not allow http issuers/);
  });

  it('an email domain another org leads to: 409 IN_USE, and nothing of the change is kept', async () => {
    const domain = `taken-${Date.now()}.example`;
    await ssoOrg(world, { email_domains: [domain] });
    const { admin } = await ssoOrg(world);
    const res = await admin.http().patch('/api/v1/org/sso').send({ email_domains: [domain], default_role: 'admin' }).expect(409);
    expect(res.body.error.code).toBe('IN_USE');
    expect((await admin.http().get('/api/v1/org/sso').expect(200)).body).toMatchObject({ email_domains: [], default_role: 'viewer' });
  });

  it('a new provider cannot be required in the same change that sets it', async () => {
    const { admin } = await ssoOrg(world);
    const res = await admin.http().patch('/api/v1/org/sso').send({ issuer: 'https://other-idp.example.com', require_sso: true }).expect(400);
    expect(res.body.error.message).toMatch(/sign in with this SSO once yourself|cannot be required/);
  });
});

describe('the sign-in pages answer every failure with a page, never a 500', () => {
  it('an org without SSO, an unknown org, no org: 404 / 400 pages', async () => {
    const seed = await seedOrg(world.server.db);
    const http = supertest(world.server.url);
    expect((await http.get('/sso/start').query({ org: seed.org.slug })).status).toBe(404);
    expect((await http.get('/sso/start').query({ org: 'no-such-org-here' })).status).toBe(404);
    expect((await http.get('/sso/start')).status).toBe(400);
    expect((await http.get('/sso/start').query({ org: '../../etc' })).status).toBe(400);
    const lookup = await http.get('/sso').query({ who: 'nobody@unknown-domain.example' });
    expect(lookup.status).toBe(404);
    expect(lookup.text).toContain('No organization signs in with SSO');
  });

  it('the provider down at the start: 502 with a page that says so', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { seed } = await ssoOrg(world, { issuer: dead });
    const res = await supertest(world.server.url).get('/sso/start').query({ org: seed.org.slug });
    expect(res.status).toBe(502);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('identity provider could not be reached');
  });

  it('the provider down at the callback: 502, nobody signed in', async () => {
    const { seed, admin } = await ssoOrg(world);
    const browser = new CrossOriginBrowser();
    const callback = await toCallback(world, browser, seed.org.slug, idpAccount(world).sub);
    await admin.http().patch('/api/v1/org/sso').send({ issuer: `http://127.0.0.1:${await freePort()}` }).expect(200);
    const res = await browser.get(callback);
    expect(res.status).toBe(502);
    expect(res.text).toContain('could not be reached');
    expect(browser.cookie(world.server.url, SESSION_COOKIE)).toBeUndefined();
  });

  it('an issuer whose discovery document cannot be read: 502, before the browser is sent anywhere', async () => {
    // The provider's origin with a path it does not serve: its discovery answers 404.
    const { seed } = await ssoOrg(world, { issuer: `${world.idp.issuer}/not-here` });
    const res = await supertest(world.server.url).get('/sso/start').query({ org: seed.org.slug });
    expect(res.status).toBe(502);
    expect(res.headers.location).toBeUndefined();
  });

  it('a callback without state: 400', async () => {
    const res = await supertest(world.server.url).get('/sso/callback').query({ code: 'abc' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('no state');
  });

  it('a callback with a state nobody issued (the cookie matching it): 400', async () => {
    const res = await supertest(world.server.url).get('/sso/callback').query({ code: 'abc', state: 'made-up-state' }).set('Cookie', `${SSO_STATE_COOKIE}=made-up-state`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('unknown, expired or was already used');
  });

  it('the provider answers an error (the person refused): 401 page, the record used up', async () => {
    const { seed } = await ssoOrg(world);
    const browser = new CrossOriginBrowser();
    const started = await browser.get(startUrl(world, seed.org.slug));
    const state = started.location!.searchParams.get('state')!;
    const callback = new URL('/sso/callback', world.server.url);
    callback.search = new URLSearchParams({ error: 'access_denied', state, iss: world.idp.issuer }).toString();
    const res = await browser.get(callback);
    expect(res.status).toBe(401);
    expect(res.text).toContain('access_denied');
    const { rows } = await world.server.db.query('SELECT used_at FROM sso_logins WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.used_at).not.toBeNull();
  });

  it('SSO turned off between the start and the callback: 400, nobody signed in', async () => {
    const { seed, admin } = await ssoOrg(world);
    const browser = new CrossOriginBrowser();
    const callback = await toCallback(world, browser, seed.org.slug, idpAccount(world).sub);
    await admin.http().delete('/api/v1/org/sso').expect(200);
    const res = await browser.get(callback);
    expect(res.status).toBe(400);
    expect(browser.cookie(world.server.url, SESSION_COOKIE)).toBeUndefined();
  });
});
