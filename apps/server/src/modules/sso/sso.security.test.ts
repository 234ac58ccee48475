/**
 * What single sign-on refuses, each through the real round trip (Greenlight → provider → callback):
 * a tampered nonce, issuer or audience in a correctly signed ID token (the provider's proxy re-signs it,
 * so only the client's checks can refuse it), a state used twice or in another browser, an email the
 * provider did not verify, a person whose membership ended, an account of another org claimed by
 * email, and the client secret in any answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { idpAccount, requireSso, signInWithSso, ssoOrg, startSsoWorld, toCallback, type SsoWorld } from '../../testing/sso-world.ts';
import { Browser, hiddenFields, memberWithPassword } from '../../testing/oauth.ts';
import { CrossOriginBrowser } from '../../testing/oidc-provider.ts';
import { seedOrg } from '../../testing/harness.ts';
import { SESSION_COOKIE } from '../users/sessions.ts';
import { addMember, removeMember } from '../members/members.ts';
import { SSO_STATE_COOKIE } from './sso-pages.ts';

let world: SsoWorld;
beforeAll(async () => {
  world = await startSsoWorld();
}, 60_000);
afterAll(() => world.stop());

async function usersWithEmail(email: string): Promise<number> {
  const { rows } = await world.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)', [email]);
  return rows[0]!.n;
}

describe('the ID token is checked by the client library: a signed token with one claim altered is refused', () => {
  it.each([
    ['another nonce', (c: Record<string, unknown>) => ({ ...c, nonce: 'a-nonce-this-sign-in-never-sent' })],
    ['no nonce', ({ nonce: _n, ...c }: Record<string, unknown>) => c],
    ['another issuer', (c: Record<string, unknown>) => ({ ...c, iss: 'http://127.0.0.1:1/evil' })],
    ['another audience', (c: Record<string, unknown>) => ({ ...c, aud: 'another-client' })],
    ['an audience of several, with an authorized party of another client', (c: Record<string, unknown>) => ({ ...c, aud: [c.aud, 'another-client'], azp: 'another-client' })],
    ['an expiry in the past', (c: Record<string, unknown>) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 })],
  ])('%s → 401, nobody signed in, nobody created', async (_case, tamper) => {
    const { seed } = await ssoOrg(world);
    const person = idpAccount(world);
    world.idp.tamper = tamper;
    try {
      const { callback, session } = await signInWithSso(world, seed.org.slug, person.sub);
      expect(callback.status).toBe(401);
      expect(callback.text).toContain('did not pass');
      expect(session).toBeUndefined();
      expect(await usersWithEmail(person.email!)).toBe(0);
    } finally {
      world.idp.tamper = null;
    }
  });

  it('a nonce changed on the way to the provider: the ID token carries it, the sign-in expected another → 401', async () => {
    const { seed } = await ssoOrg(world);
    const person = idpAccount(world);
    const browser = new CrossOriginBrowser();
    const callback = await toCallback(world, browser, seed.org.slug, person.sub, (authorize) => {
      const altered = new URL(authorize);
      altered.searchParams.set('nonce', 'an-attacker-chosen-nonce');
      return altered;
    });
    const res = await browser.get(callback);
    expect(res.status).toBe(401);
    expect(browser.cookie(world.server.url, SESSION_COOKIE)).toBeUndefined();
  });

  it("the authorization response's iss (RFC 9207) naming another issuer → 401", async () => {
    const { seed } = await ssoOrg(world);
    const browser = new CrossOriginBrowser();
    const callback = await toCallback(world, browser, seed.org.slug, idpAccount(world).sub);
    expect(callback.searchParams.get('iss')).toBe(world.idp.issuer);
    callback.searchParams.set('iss', 'http://127.0.0.1:1/evil');
    const res = await browser.get(callback);
    expect(res.status).toBe(401);
    expect(browser.cookie(world.server.url, SESSION_COOKIE)).toBeUndefined();
  });

  it('a discovery document that names another issuer is refused (502): the browser goes nowhere', async () => {
    const { seed } = await ssoOrg(world);
    world.idp.tamperDiscovery = (doc) => ({ ...doc, issuer: 'http://127.0.0.1:1/evil' });
    try {
      const res = await supertest(world.server.url).get('/sso/start').query({ org: seed.org.slug });
      expect(res.status).toBe(502);
      expect(res.headers.location).toBeUndefined();
    } finally {
      world.idp.tamperDiscovery = null;
    }
  });
});

describe('state: single use, bound to the browser that started the sign-in', () => {
  it('a callback replayed (with the state cookie put back) is refused, and the first session stays the only one', async () => {
    const { seed } = await ssoOrg(world);
    const browser = new CrossOriginBrowser();
    const callback = await toCallback(world, browser, seed.org.slug, idpAccount(world).sub);
    const state = browser.cookie(world.server.url, SSO_STATE_COOKIE)!;
    expect(state).toBe(callback.searchParams.get('state'));
    const first = await browser.get(callback);
    expect(first.status).toBe(303);
    expect(browser.cookie(world.server.url, SSO_STATE_COOKIE)).toBeUndefined();

    const again = await browser.get(callback);
    expect(again.status).toBe(400);
    const replay = await supertest(world.server.url).get(`${callback.pathname}${callback.search}`).set('Cookie', `${SSO_STATE_COOKIE}=${state}`);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('already used');
    const setCookies = (replay.headers['set-cookie'] ?? []) as unknown as string[];
    expect(setCookies.some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });

  it("a callback URL opened in another browser (an attacker's sign-in sent to a victim) signs nobody in, and cannot be used after", async () => {
    const { seed } = await ssoOrg(world);
    const attacker = new CrossOriginBrowser();
    const callback = await toCallback(world, attacker, seed.org.slug, idpAccount(world).sub);
    const victim = new CrossOriginBrowser();
    const res = await victim.get(callback);
    expect(res.status).toBe(400);
    expect(res.text).toContain('not started in this browser');
    expect(victim.cookie(world.server.url, SESSION_COOKIE)).toBeUndefined();
  });

  it('a state cookie that does not match the state sent back is refused', async () => {
    const { seed } = await ssoOrg(world);
    const browser = new CrossOriginBrowser();
    const callback = await toCallback(world, browser, seed.org.slug, idpAccount(world).sub);
    const res = await supertest(world.server.url).get(`${callback.pathname}${callback.search}`).set('Cookie', `${SSO_STATE_COOKIE}=another-state-value`);
    expect(res.status).toBe(400);
  });

  it('an expired sign-in record is refused', async () => {
    const { seed } = await ssoOrg(world);
    const browser = new CrossOriginBrowser();
    const callback = await toCallback(world, browser, seed.org.slug, idpAccount(world).sub);
    await world.server.db.query("UPDATE sso_logins SET expires_at = now() - interval '1 second' WHERE org_id = $1", [seed.org.id]);
    expect((await browser.get(callback)).status).toBe(400);
  });

  it('the sign-in sends PKCE (S256), a state and a nonce of its own each time', async () => {
    const { seed } = await ssoOrg(world);
    const seen = [];
    for (let i = 0; i < 2; i++) {
      const res = await new CrossOriginBrowser().get(`${world.server.url}/sso/start?org=${seed.org.slug}`);
      const p = res.location!.searchParams;
      expect(p.get('code_challenge_method')).toBe('S256');
      expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(p.get('state')!.length).toBeGreaterThanOrEqual(32);
      expect(p.get('nonce')!.length).toBeGreaterThanOrEqual(32);
      seen.push(p.get('state'), p.get('nonce'), p.get('code_challenge'));
    }
    expect(new Set(seen).size).toBe(6);
    // Stored as a hash: the database holds no state a reader could finish a sign-in with.
    const { rows } = await world.server.db.query<{ state_hash: string }>('SELECT state_hash FROM sso_logins WHERE org_id = $1', [seed.org.id]);
    for (const r of rows) expect(seen).not.toContain(r.state_hash);
  });
});

describe('who is signed in', () => {
  it('an email the provider did not verify → 403, nobody created', async () => {
    const { seed } = await ssoOrg(world);
    const person = idpAccount(world, { email_verified: false });
    const { callback, session } = await signInWithSso(world, seed.org.slug, person.sub);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('did not confirm your email address');
    expect(session).toBeUndefined();
    expect(await usersWithEmail(person.email!)).toBe(0);
  });

  it('no email at all → 403', async () => {
    const { seed } = await ssoOrg(world);
    const person = idpAccount(world, { email: undefined as unknown as string });
    world.idp.accounts.set(person.sub, { sub: person.sub, email_verified: true });
    const { callback } = await signInWithSso(world, seed.org.slug, person.sub);
    expect(callback.status).toBe(403);
  });

  it('a person whose membership an admin ended is refused, and not made a member again', async () => {
    const { seed } = await ssoOrg(world);
    const person = idpAccount(world);
    const first = await signInWithSso(world, seed.org.slug, person.sub);
    const userId = (await supertest(world.server.url).get('/api/v1/me').set('Cookie', `${SESSION_COOKIE}=${first.session}`).expect(200)).body.user.id;
    await removeMember(world.server.db, seed.org.id, userId);
    // The old session ended with the membership.
    await supertest(world.server.url).get('/api/v1/me').set('Cookie', `${SESSION_COOKIE}=${first.session}`).expect(401);
    const again = await signInWithSso(world, seed.org.slug, person.sub);
    expect(again.callback.status).toBe(403);
    expect(again.callback.text).toContain('ended by an admin');
    expect(again.session).toBeUndefined();
    const { rows } = await world.server.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [seed.org.id, userId]);
    expect(rows).toHaveLength(0);
  });

  it("an org's provider cannot claim an account of another org by its email (no linking by email alone)", async () => {
    const victimOrg = await seedOrg(world.server.db, 'Victim');
    const victim = await victimOrg.addUser('admin');
    const { seed: attackerOrg } = await ssoOrg(world, { default_role: 'admin' });
    const forged = idpAccount(world, { email: victim.email, email_verified: true });
    const { callback, session } = await signInWithSso(world, attackerOrg.org.slug, forged.sub);
    expect(callback.status).toBe(403);
    expect(callback.text).toContain('not a member of this organization');
    expect(session).toBeUndefined();
    const { rows } = await world.server.db.query('SELECT org_id FROM memberships WHERE user_id = $1', [victim.id]);
    expect(rows.map((r) => r.org_id)).toEqual([victimOrg.org.id]);
    const links = await world.server.db.query('SELECT 1 FROM sso_identities WHERE user_id = $1', [victim.id]);
    expect(links.rows).toHaveLength(0);
  });

  it("a session opened by SSO is one of that org only: another org's API answers for its own org, never this one", async () => {
    const { seed } = await ssoOrg(world);
    const other = await seedOrg(world.server.db, 'Other');
    const { session } = await signInWithSso(world, seed.org.slug, idpAccount(world).sub);
    const me = await supertest(world.server.url).get('/api/v1/me').set('Cookie', `${SESSION_COOKIE}=${session}`).expect(200);
    expect(me.body.org.id).toBe(seed.org.id);
    expect(me.body.org.id).not.toBe(other.org.id);
  });
});

describe('the client secret', () => {
  it('is never in an answer, an audit entry or the database in plain text', async () => {
    const secret = `a-very-distinct-client-secret-${Date.now()}`;
    const { admin, seed } = await ssoOrg(world);
    const answers = [
      await admin.http().patch('/api/v1/org/sso').send({ client_secret: secret, default_role: 'approver' }).expect(200),
      await admin.http().get('/api/v1/org/sso').expect(200),
      await admin.http().get('/api/v1/org/sso/status').expect(200),
      await admin.http().get('/api/v1/audit-log').expect(200),
      await admin.http().get('/api/v1/org/sso').expect(200),
      await admin.http().delete('/api/v1/org/sso').expect(200),
      await admin.http().get('/api/v1/audit-log').expect(200),
    ];
    for (const res of answers) expect(res.text).not.toContain(secret);
    expect(answers[1]!.body.client_secret).toEqual({ configured: true });
    const { rows } = await world.server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE org_id = $1 AND details::text LIKE '%' || $2 || '%'`,
      [seed.org.id, secret],
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('is sealed at rest', async () => {
    const secret = `sealed-at-rest-${Date.now()}`;
    const { admin, seed } = await ssoOrg(world);
    await admin.http().patch('/api/v1/org/sso').send({ client_secret: secret }).expect(200);
    const { rows } = await world.server.db.query<{ client_secret: string }>('SELECT client_secret FROM sso_settings WHERE org_id = $1', [seed.org.id]);
    expect(rows[0]!.client_secret.startsWith('gl1:')).toBe(true);
    expect(rows[0]!.client_secret).not.toContain(secret);
  });
});

describe('require_sso has no side door', () => {
  it('an invitation accepted with a password session of another org opens no session in the org that requires SSO', async () => {
    const home = await seedOrg(world.server.db, 'Home');
    const person = await memberWithPassword(world.server, home, 'approver');
    const { seed: strict } = await ssoOrg(world);
    await requireSso(world, strict);
    const { signInToken } = await addMember(world.server.db, strict.org.id, { email: person.email, role: 'approver' });
    expect(signInToken).not.toBeNull();

    const browser = new Browser(world.server.url);
    expect((await browser.signIn(person.email, person.password)).status).toBe(303);
    const homeSession = browser.cookies.get(SESSION_COOKIE);
    const page = await browser.get(`/sign-in/${signInToken}`);
    expect(page.status).toBe(200);
    const accepted = await browser.post(`/sign-in/${signInToken}`, hiddenFields(page.text));
    expect(accepted.status).toBe(200);
    expect(accepted.text).toContain('requires single sign-on');
    expect(accepted.text).toContain(`/sso/start?org=${strict.org.slug}`);
    // Still the session of the home org: none was opened in the strict one.
    expect(browser.cookies.get(SESSION_COOKIE)).toBe(homeSession);
    const me = await supertest(world.server.url).get('/api/v1/me').set('Cookie', `${SESSION_COOKIE}=${homeSession}`).expect(200);
    expect(me.body.org.id).toBe(home.org.id);
  });

  it('password sign-in refused for a member of an org that requires SSO, even with the right password; the org keeps no other way in but SSO', async () => {
    const { seed } = await ssoOrg(world);
    const member = await memberWithPassword(world.server, seed, 'viewer');
    await requireSso(world, seed);
    const browser = new Browser(world.server.url);
    const res = await browser.signIn(member.email, member.password);
    expect(res.status).toBe(403);
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });
});
