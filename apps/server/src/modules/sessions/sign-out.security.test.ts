import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionFor, sessionOf, signedIn } from '../../testing/session.ts';
import { addMember } from '../orgs/create-org.ts';
import { createSession } from '../users/sessions.ts';
import { openSse } from '../stream/sse-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
});
afterAll(() => server.stop());

describe('POST /sign-out', () => {
  it('ends the session (the cookie no longer works) and clears the cookie, then sends the browser to sign in', async () => {
    const me = await signedIn(server, await seedOrg(server.db));
    await me.http().get('/api/v1/me').expect(200);
    const out = await me.http().post('/sign-out').expect(303);
    expect(out.headers.location).toBe('/sign-in');
    expect(String(out.headers['set-cookie'])).toMatch(/gl_session=;.*Expires=Thu, 01 Jan 1970/);
    await me.http().get('/api/v1/me').expect(401);
  });

  it('without the CSRF token (a cross-site form) refuses and the session lives on', async () => {
    const me = await signedIn(server, await seedOrg(server.db));
    await me.http({ csrf: false }).post('/sign-out').expect(403);
    await supertest(server.url).post('/sign-out').set('Cookie', me.cookie).type('form').send({ csrf: 'forged' }).expect(403);
    await me.http().get('/api/v1/me').expect(200);
  });

  it('accepts the CSRF token as a form field (a plain HTML form)', async () => {
    const me = await signedIn(server, await seedOrg(server.db));
    await supertest(server.url).post('/sign-out').set('Cookie', me.cookie).type('form').send({ csrf: me.csrf }).expect(303);
    await me.http().get('/api/v1/me').expect(401);
  });

  it('without a session just sends the browser to sign in', async () => {
    const out = await supertest(server.url).post('/sign-out').expect(303);
    expect(out.headers.location).toBe('/sign-in');
  });
});

describe('your sessions', () => {
  it('lists your own live sessions, marks this one, and signs out everywhere else (audited)', async () => {
    const seed = await seedOrg(server.db);
    const here = await signedIn(server, seed);
    const { createSession } = await import('../users/sessions.ts');
    const { sessionFor } = await import('../../testing/session.ts');
    const elsewhere = sessionFor(server, seed.admin, await createSession(server.db, seed.admin.id, seed.org.id));
    const someoneElse = await signedIn(server, seed, 'viewer');
    const list = await here.http().get('/api/v1/me/sessions').expect(200);
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toMatch(/[0-9a-f]{64}/);

    expect((await here.http().delete('/api/v1/me/sessions').expect(200)).body).toEqual({ ended: 1 });
    await elsewhere.http().get('/api/v1/me').expect(401);
    await here.http().get('/api/v1/me').expect(200);
    await someoneElse.http().get('/api/v1/me').expect(200);
    const log = await here.http().get('/api/v1/audit-log?type=session.signed_out_everywhere').expect(200);
    expect(log.body.data.map((e: { details: unknown }) => e.details)).toEqual([{ ended: 1 }]);
  });
});

describe('sign out everywhere', () => {
  it('leaves no other session of the person answering: in another org they belong to, nor an event stream already open', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db, 'Other');
    // The same person, a member of a second org too: a session is opened in one org at a time.
    await addMember(server.db, { orgId: other.org.id, email: seed.admin.email, role: 'approver' });
    const here = await signedIn(server, seed);
    const laptop = await sessionOf(server, seed, seed.admin);
    const inOtherOrg = sessionFor(server, seed.admin, await createSession(server.db, seed.admin.id, other.org.id));
    await inOtherOrg.http().get('/api/v1/me').expect(200);
    const stream = await openSse(`${server.url}/api/v1/events`, { cookie: laptop.cookie });
    expect(stream.status).toBe(200);

    expect((await here.http().delete('/api/v1/me/sessions').expect(200)).body).toEqual({ ended: 2 });
    await laptop.http().get('/api/v1/me').expect(401);
    await inOtherOrg.http().get('/api/v1/me').expect(401);
    await inOtherOrg.http().get('/api/v1/approvals').expect(401);
    await here.http().get('/api/v1/me').expect(200);

    // The next event of the org would go down the open stream: it ends instead, having sent nothing.
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await stream.untilEnded(10_000);
    expect(stream.messages).toEqual([]);
  });
});
