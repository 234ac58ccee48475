import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { idpAccount, signInWithSso, ssoOrg, startSsoWorld, startUrl, type SsoWorld } from '../../testing/sso-world.ts';
import { CrossOriginBrowser } from '../../testing/oidc-provider.ts';
import { Browser, memberWithPassword } from '../../testing/oauth.ts';
import { SESSION_COOKIE } from '../users/sessions.ts';

let world: SsoWorld;
beforeAll(async () => {
  world = await startSsoWorld();
}, 60_000);
afterAll(() => world.stop());

const me = (session: string) => supertest(world.server.url).get('/api/v1/me').set('Cookie', `${SESSION_COOKIE}=${session}`);

describe('signing in with SSO', () => {
  it('a new person joins just in time with the default role, and the session works on the API', async () => {
    const { seed } = await ssoOrg(world, { default_role: 'approver' });
    const alice = idpAccount(world);
    const { callback, session } = await signInWithSso(world, seed.org.slug, alice.sub);
    expect(callback.status, callback.text).toBe(303);
    expect(callback.location!.pathname).toBe('/');
    expect(session).toBeDefined();
    const answer = await me(session!).expect(200);
    expect(answer.body.user.email).toBe(alice.email);
    expect(answer.body.user.role).toBe('approver');
    expect(answer.body.org.id).toBe(seed.org.id);

    const { rows } = await world.server.db.query<{ issuer: string; subject: string }>(
      'SELECT i.issuer, i.subject FROM sso_identities i JOIN users u ON u.id = i.user_id WHERE u.email = $1 AND i.org_id = $2',
      [alice.email, seed.org.id],
    );
    expect(rows).toEqual([{ issuer: world.idp.issuer, subject: alice.sub }]);
    const audit = await world.server.db.query<{ type: string; details: { role: string } }>("SELECT type, details FROM audit_log WHERE org_id = $1 AND type = 'member.joined_via_sso'", [seed.org.id]);
    expect(audit.rows.map((r) => r.details.role)).toEqual(['approver']);
  });

  it('signs the same person in again as the same account, by their subject', async () => {
    const { seed } = await ssoOrg(world);
    const bob = idpAccount(world);
    const first = await signInWithSso(world, seed.org.slug, bob.sub);
    const firstId = (await me(first.session!).expect(200)).body.user.id;
    // The email changed at the provider: the subject still names the same person.
    world.idp.accounts.set(bob.sub, { ...bob, email: `renamed-${bob.email}` });
    const second = await signInWithSso(world, seed.org.slug, bob.sub);
    expect(second.callback.status).toBe(303);
    expect((await me(second.session!).expect(200)).body.user.id).toBe(firstId);
  });

  it('a group maps to a role (the strongest of several), others get the default', async () => {
    const { seed } = await ssoOrg(world, { groups_claim: 'groups', group_roles: { 'gl-approvers': 'approver', 'gl-admins': 'admin' }, additional_scopes: ['groups'] });
    const lead = idpAccount(world, { groups: ['engineering', 'gl-approvers', 'gl-admins'] });
    const dev = idpAccount(world, { groups: ['gl-approvers'] });
    const other = idpAccount(world, { groups: ['sales'] });
    const roles: string[] = [];
    for (const a of [lead, dev, other]) {
      const { session } = await signInWithSso(world, seed.org.slug, a.sub);
      roles.push((await me(session!).expect(200)).body.user.role);
    }
    expect(roles).toEqual(['admin', 'approver', 'viewer']);
  });

  it('a member an admin added signs in with SSO as that member, with their role', async () => {
    const { seed } = await ssoOrg(world, { default_role: 'viewer' });
    const added = await seed.addUser('approver');
    const person = idpAccount(world, { email: added.email });
    const { session } = await signInWithSso(world, seed.org.slug, person.sub);
    const answer = (await me(session!).expect(200)).body;
    expect(answer.user.id).toBe(added.id);
    expect(answer.user.role).toBe('approver');
  });

  it('comes back to the page the sign-in started from', async () => {
    const { seed } = await ssoOrg(world);
    const carol = idpAccount(world);
    const browser = new CrossOriginBrowser();
    world.idp.signInAs(carol.sub);
    const { next } = await browser.follow(startUrl(world, seed.org.slug, '/requests/abc?tab=steps'), (u) => u.origin === world.server.url && !u.pathname.startsWith('/sso'));
    expect(`${next!.pathname}${next!.search}`).toBe('/requests/abc?tab=steps');
  });

  it('the SSO page finds the org by slug or by an email domain, and links to its sign-in', async () => {
    const domain = `acme-${Date.now()}.example`;
    const { seed } = await ssoOrg(world, { email_domains: [domain] });
    for (const who of [seed.org.slug, `someone@${domain}`]) {
      const page = await supertest(world.server.url).get('/sso').query({ who }).expect(200);
      expect(page.text).toContain(seed.org.name);
      expect(page.text).toContain(`/sso/start?org=${seed.org.slug}`);
    }
    const signInPage = await supertest(world.server.url).get('/sign-in').expect(200);
    expect(signInPage.text).toContain('Sign in with SSO');
  });
});

describe('require_sso', () => {
  it('needs the admin to have signed in with it; then password sign-in is refused for members and admins', async () => {
    const { seed, admin } = await ssoOrg(world);
    const refused = await admin.http().patch('/api/v1/org/sso').send({ require_sso: true }).expect(400);
    expect(refused.body.error.message).toMatch(/sign in with this SSO once yourself/);

    const passwordAdmin = await memberWithPassword(world.server, seed, 'admin');
    const approver = await memberWithPassword(world.server, seed, 'approver');
    const idpAdmin = idpAccount(world, { email: passwordAdmin.email });
    const { session } = await signInWithSso(world, seed.org.slug, idpAdmin.sub);
    expect((await me(session!).expect(200)).body.user.id).toBe(passwordAdmin.id);
    const { csrfTokenFor } = await import('../users/sessions.ts');
    const on = await supertest(world.server.url)
      .patch('/api/v1/org/sso')
      .set('Cookie', `${SESSION_COOKIE}=${session}`)
      .set('X-CSRF-Token', csrfTokenFor(decodeURIComponent(session!)))
      .send({ require_sso: true })
      .expect(200);
    expect(on.body.require_sso).toBe(true);

    for (const person of [approver, passwordAdmin]) {
      const browser = new Browser(world.server.url);
      const res = await browser.signIn(person.email, person.password);
      expect(res.status).toBe(403);
      expect(res.text).toContain('requires single sign-on');
      expect(res.text).toContain(`/sso/start?org=${seed.org.slug}`);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    }
    // A wrong password still answers as any wrong password does.
    const browser = new Browser(world.server.url);
    expect((await browser.signIn(approver.email, 'not the password at all')).status).toBe(401);
  });

  it('members may read whether SSO is on; only admins read its settings', async () => {
    const { seed } = await ssoOrg(world);
    const { signedIn } = await import('../../testing/session.ts');
    const viewer = await signedIn(world.server, seed, 'viewer');
    const status = await viewer.http().get('/api/v1/org/sso/status').expect(200);
    expect(status.body).toEqual({ enabled: true, require_sso: false, sign_in_url: `${world.server.url}/sso/start?org=${seed.org.slug}` });
    await viewer.http().get('/api/v1/org/sso').expect(403);
  });

  it('turning SSO off lets password sign-in work again', async () => {
    const { seed, admin } = await ssoOrg(world);
    const member = await memberWithPassword(world.server, seed, 'approver');
    await admin.http().delete('/api/v1/org/sso').expect(200);
    const res = await new Browser(world.server.url).signIn(member.email, member.password);
    expect(res.status).toBe(303);
    const status = await admin.http().get('/api/v1/org/sso/status').expect(200);
    expect(status.body).toEqual({ enabled: false, require_sso: false, sign_in_url: null });
  });
});
