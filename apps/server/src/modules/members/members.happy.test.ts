import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { Browser, hiddenFields, memberWithPassword } from '../../testing/oauth.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('members API (admin session)', () => {
  it('lists the members with their roles, oldest first', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.addUser('approver');
    const res = await (await signedIn(server, seed)).http().get('/api/v1/members').expect(200);
    expect(res.body.data).toEqual([
      { user_id: seed.admin.id, email: seed.admin.email, name: null, role: 'admin', password_set: false, see_sensitive: true, joined_at: expect.any(String) },
      { user_id: approver.id, email: approver.email, name: null, role: 'approver', password_set: false, see_sensitive: false, joined_at: expect.any(String) },
    ]);
  });

  it('adds a member with a one-time sign-in link; the link leads to setting a password, which then signs in', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const email = `new-${Date.now()}@example.test`;
    const added = await admin.http().post('/api/v1/members').send({ email, name: 'Nina', role: 'approver' }).expect(201);
    expect(added.body).toEqual({
      member: { user_id: expect.any(String), email, name: 'Nina', role: 'approver', password_set: false, see_sensitive: false, joined_at: expect.any(String) },
      sign_in_url: expect.stringMatching(new RegExp(`^${server.deps.config.publicUrl}/sign-in/[A-Za-z0-9_-]{43}$`)),
      sign_in_expires_at: expect.any(String),
    });
    const minutes = (Date.parse(added.body.sign_in_expires_at) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(58);
    expect(minutes).toBeLessThanOrEqual(60);

    // The new member opens the link: a session, then the page to choose a password.
    const browser = new Browser(server.url);
    const path = new URL(added.body.sign_in_url).pathname;
    const opened = await browser.get(path);
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/account/password');
    const page = await browser.get('/account/password');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Set your password');
    expect(page.text).not.toContain('name="current_password"');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const saved = await browser.post('/account/password', { ...hiddenFields(page.text), new_password: 'a brand new password', confirm_password: 'a brand new password' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/');
    expect((await browser.get(path)).status).toBe(410);

    const again = new Browser(server.url);
    const signIn = await again.signIn(email, 'a brand new password');
    expect(signIn.status).toBe(303);
    const me = await again.get('/api/v1/me');
    expect(me.body.user).toMatchObject({ email, role: 'approver' });
    expect((await admin.http().get('/api/v1/members').expect(200)).body.data.find((m: { email: string }) => m.email === email).password_set).toBe(true);
  });

  it('the role defaults to viewer', async () => {
    const seed = await seedOrg(server.db);
    const res = await (await signedIn(server, seed)).http().post('/api/v1/members').send({ email: `v-${Date.now()}@example.test` }).expect(201);
    expect(res.body.member.role).toBe('viewer');
  });

  it('a person with an account in another org is invited, not added; the answer looks like a new account\'s; they accept while signed in', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const elsewhere = await memberWithPassword(server, other, 'viewer');
    const admin = await signedIn(server, seed);
    const fresh = await admin.http().post('/api/v1/members').send({ email: `fresh-${Date.now()}@example.test`, role: 'approver' }).expect(201);
    const invited = await admin.http().post('/api/v1/members').send({ email: elsewhere.email.toUpperCase(), role: 'approver' }).expect(201);
    // Same shape and kinds of value either way: nothing says the email has an account elsewhere.
    const shape = (b: Record<string, unknown>) => JSON.stringify(b, (_k, v) => (typeof v === 'object' && v !== null ? v : typeof v));
    expect(shape(invited.body)).toBe(shape(fresh.body));
    expect(invited.body.member).toMatchObject({ email: elsewhere.email.toUpperCase(), name: null, role: 'approver', password_set: false });
    expect(new URL(invited.body.sign_in_url).pathname).toMatch(/^\/sign-in\/[A-Za-z0-9_-]{43}$/);
    // Not a member until they accept.
    const members = async () => (await admin.http().get('/api/v1/members').expect(200)).body.data.map((m: { email: string }) => m.email);
    expect(await members()).not.toContain(elsewhere.email);

    const path = new URL(invited.body.sign_in_url).pathname;
    const stranger = new Browser(server.url);
    const toSignIn = await stranger.get(path);
    expect(toSignIn.status).toBe(303);
    expect(toSignIn.headers.location).toBe(`/sign-in?return_to=${encodeURIComponent(path)}`);
    const someoneElse = new Browser(server.url);
    const otherPerson = await memberWithPassword(server, other, 'viewer');
    await someoneElse.signIn(otherPerson.email, otherPerson.password);
    expect((await someoneElse.get(path)).status).toBe(403);

    const person = new Browser(server.url);
    expect((await person.signIn(elsewhere.email, elsewhere.password)).status).toBe(303);
    const page = await person.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain(seed.org.name);
    expect(await members()).not.toContain(elsewhere.email);
    const accepted = await person.post(path, hiddenFields(page.text));
    expect(accepted.status).toBe(303);
    expect(accepted.headers.location).toBe('/');
    expect((await person.get('/api/v1/me')).body).toMatchObject({ org: { id: seed.org.id }, user: { email: elsewhere.email, role: 'approver' } });
    expect(await members()).toContain(elsewhere.email);
    expect((await person.get(path)).status).toBe(410);
    const log = (await admin.http().get('/api/v1/audit-log').expect(200)).body.data.map((e: { type: string }) => e.type);
    expect(log.slice(0, 2)).toEqual(['invitation.accepted', 'member.invited']);
  });

  it('a role change applies at once: a viewer made approver decides on the next request', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const viewer = await signedIn(server, seed, 'viewer');
    const approval = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await viewer.http().patch(`/api/v1/approvals/${approval.body.id}`).send({ decision: 'approve' }).expect(403);
    const changed = await admin.http().patch(`/api/v1/members/${viewer.user.id}`).send({ role: 'approver' }).expect(200);
    expect(changed.body).toMatchObject({ user_id: viewer.user.id, role: 'approver' });
    await viewer.http().patch(`/api/v1/approvals/${approval.body.id}`).send({ decision: 'approve' }).expect(200);
  });

  it('with two admins, one can be demoted, and an admin can step down themselves', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const second = await signedIn(server, seed, 'admin');
    await second.http().patch(`/api/v1/members/${seed.admin.id}`).send({ role: 'viewer' }).expect(200);
    await admin.http().get('/api/v1/members').expect(403);
    await second.http().patch(`/api/v1/members/${seed.admin.id}`).send({ role: 'admin' }).expect(200);
    const stepDown = await second.http().patch(`/api/v1/members/${second.user.id}`).send({ role: 'approver' }).expect(200);
    expect(stepDown.body.role).toBe('approver');
  });

  it('removing a member ends their session and their OAuth-era access in this org', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const approver = await signedIn(server, seed, 'approver');
    await approver.http().get('/api/v1/me').expect(200);
    const removed = await admin.http().delete(`/api/v1/members/${approver.user.id}`).expect(200);
    expect(removed.body).toMatchObject({ user_id: approver.user.id, role: 'approver' });
    await approver.http().get('/api/v1/me').expect(401);
    expect((await admin.http().get('/api/v1/members').expect(200)).body.data.map((m: { user_id: string }) => m.user_id)).toEqual([seed.admin.id]);
    // Added again, they are a new member (not refused as "already a member").
    await admin.http().post('/api/v1/members').send({ email: approver.user.email, role: 'viewer' }).expect(201);
  });
});
