import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { Browser, hiddenFields, memberWithPassword } from '../../testing/oauth.ts';
import { sessionFor, signedIn } from '../../testing/session.ts';
import { createSession } from './sessions.ts';
import { runCli } from '../../cli/run-cli.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('POST /api/v1/me/password', () => {
  it('a new account sets its first password without a current one, then signs in with it', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const res = await admin.http().post('/api/v1/me/password').send({ new_password: 'first password here' }).expect(200);
    expect(res.body).toEqual({ password_set: true, other_sessions_ended: 0 });
    const stored = (await server.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [seed.admin.id])).rows[0]!;
    expect(stored.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored.password_hash).not.toContain('first password here');
    expect((await new Browser(server.url).signIn(seed.admin.email, 'first password here')).status).toBe(303);
  });

  it('a change with the current password keeps this session and signs out the others', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const here = sessionFor(server, user, await createSession(server.db, user.id, seed.org.id));
    const elsewhere = sessionFor(server, user, await createSession(server.db, user.id, seed.org.id));
    const res = await here.http().post('/api/v1/me/password').send({ current_password: user.password, new_password: 'a second good password' }).expect(200);
    expect(res.body).toEqual({ password_set: true, other_sessions_ended: 1 });
    await here.http().get('/api/v1/me').expect(200);
    await elsewhere.http().get('/api/v1/me').expect(401);
    expect((await new Browser(server.url).signIn(user.email, user.password)).status).toBe(401);
    expect((await new Browser(server.url).signIn(user.email, 'a second good password')).status).toBe(303);
  });
});

describe('the password page after a one-time sign-in link', () => {
  it('greenlight-admin init → link → set a password → sign in with it; the page then asks for the current one', async () => {
    const slug = `pw-${process.pid}-${Date.now().toString(36)}`;
    const ctx = { config: server.deps.config, withDatabase: <T>(fn: (db: typeof server.db) => Promise<T>) => fn(server.db) };
    const init = await runCli(['init', '--org', 'Password Co', '--admin-email', `admin@${slug}.test`, '--slug', slug], ctx);
    const link = /\/sign-in\/([A-Za-z0-9_-]{43})$/m.exec(init.stdout)![0];
    const browser = new Browser(server.url);
    const opened = await browser.get(link);
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/account/password');
    const page = await browser.get('/account/password');
    const saved = await browser.post('/account/password', { ...hiddenFields(page.text), new_password: 'the admin password', confirm_password: 'the admin password' });
    expect(saved.status).toBe(303);

    const change = await browser.get('/account/password');
    expect(change.text).toContain('Change your password');
    expect(change.text).toContain('name="current_password"');
    const wrong = await browser.post('/account/password', { ...hiddenFields(change.text), current_password: 'not it at all', new_password: 'another password!', confirm_password: 'another password!' });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('The current password is wrong.');
    const right = await browser.post('/account/password', { ...hiddenFields(change.text), current_password: 'the admin password', new_password: 'another password!', confirm_password: 'another password!' });
    expect(right.status).toBe(303);
    expect((await new Browser(server.url).signIn(`admin@${slug}.test`, 'another password!')).status).toBe(303);
  });

  it('a link for an account that already has a password leads home, not to the password page', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const added = await admin.http().post('/api/v1/members').send({ email: `m-${Date.now()}@example.test`, role: 'viewer' }).expect(201);
    await server.db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [added.body.member.user_id, '$argon2id$v=19$m=19456,t=2,p=1$x$y']);
    const opened = await new Browser(server.url).get(new URL(added.body.sign_in_url).pathname);
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/');
  });
});
