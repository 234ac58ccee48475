/**
 * Decision links from real emails (a real SMTP server): reading a link changes nothing, whoever reads
 * it and however (GET, HEAD, with or without cookies); only the confirmation page's POST decides,
 * once, through the same rules as the API; a used, expired or overtaken link says what happened.
 */
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { sessionFor } from '../../testing/session.ts';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtp.ts';
import { createSession, SESSION_COOKIE } from '../users/sessions.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';

let server: TestServer;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({
    config: {
      GREENLIGHT_SMTP_URL: smtp.url,
      GREENLIGHT_MAIL_FROM: 'greenlight@example.test',
      GREENLIGHT_PUBLIC_URL: 'https://greenlight.example.test',
      GREENLIGHT_DELIVERY_SWEEP_MS: '100',
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

interface Mailed {
  seed: SeededOrg;
  approvalId: string;
  alice: { id: string; email: string };
  /** Paths of alice's links, as in her email. */
  approve: string;
  reject: string;
}

/** A request in a fresh org with one approver, alice, and the links of the email she received. */
async function mailedRequest(body: Record<string, unknown> = {}): Promise<Mailed> {
  const seed = await seedOrg(server.db);
  const alice = await seed.addUser('approver', `alice-${seed.org.slug}@example.test`);
  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body as { id: string };
  await smtp.until(() => smtp.to(alice.email).length === 1);
  const text = smtp.to(alice.email)[0]!.text;
  const link = (label: string) => new URL(new RegExp(`${label}: (\\S+)`).exec(text)![1]!).pathname;
  return { seed, approvalId: a.id, alice, approve: link('Approve'), reject: link('Reject') };
}

const tokenOf = (path: string) => path.split('/').at(-1)!;

/** Everything a decision could change, to compare before and after. */
async function snapshot(approvalId: string) {
  const { rows } = await server.db.query(
    `SELECT a.status, a.current_approvals, a.decided_by, a.updated_at,
            (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = a.id) AS votes,
            (SELECT count(*)::int FROM events e WHERE e.approval_id = a.id) AS events,
            (SELECT count(*)::int FROM decision_links l WHERE l.approval_id = a.id AND l.used_at IS NOT NULL) AS used_links
       FROM approvals a WHERE a.id = $1`,
    [approvalId],
  );
  return rows[0];
}

const post = (token: string, fields: Record<string, string> = {}) =>
  supertest(server.url).post('/decide').type('form').send({ token, ...fields });

describe('reading a link changes nothing', () => {
  it('GET and HEAD, with and without cookies, repeated, leave the request, its votes and the link as they were', async () => {
    const m = await mailedRequest();
    const before = await snapshot(m.approvalId);
    const session = sessionFor(server, m.alice, await createSession(server.db, m.alice.id, m.seed.org.id));
    for (const path of [m.approve, m.reject]) {
      for (let i = 0; i < 3; i++) {
        await supertest(server.url).get(path).expect(200);
        await supertest(server.url).head(path).expect(200);
        await supertest(server.url).get(path).set('Cookie', session.cookie).expect(200);
        await supertest(server.url).head(path).set('Cookie', session.cookie).expect(200);
        // What link checkers send: no cookies, a bot's user agent, a preview's Accept.
        await supertest(server.url).get(path).set('User-Agent', 'Microsoft Office Protocol Discovery').set('Accept', '*/*').expect(200);
      }
    }
    expect(await snapshot(m.approvalId)).toEqual(before);
    expect(before).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it('the confirmation page: the request, a form that posts the token, and headers that keep it private', async () => {
    const m = await mailedRequest({ title: 'Rotate <keys>', changes: { before: { n: 1 }, after: { n: 2 } } });
    const res = await supertest(server.url).get(m.approve).expect(200);
    expect(res.text).toContain('Approve this request?');
    expect(res.text).toContain('Rotate &lt;keys&gt;');
    expect(res.text).toContain('<form method="post" action="/decide">');
    expect(res.text).toContain(`name="token" value="${tokenOf(m.approve)}"`);
    expect(res.text).toContain('name="comment"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('an unknown or malformed token is not valid, and looks the same either way', async () => {
    const a = await supertest(server.url).get(`/decide/${'A'.repeat(43)}`).expect(404);
    const b = await supertest(server.url).get('/decide/not-a-token').expect(404);
    expect(a.text).toBe(b.text);
    await post('A'.repeat(43)).expect(404);
  });
});

describe('using a link', () => {
  it('the POST of the page approves, as that person, with the comment; then the link says so', async () => {
    const m = await mailedRequest();
    const res = await post(tokenOf(m.approve), { comment: 'Checked with support' }).expect(303);
    expect(res.headers.location).toBe(m.approve);
    expect(res.headers['set-cookie']).toBeUndefined();
    const a = (await server.http(m.seed.key).get(`/api/v1/approvals/${m.approvalId}`).expect(200)).body;
    expect(a).toMatchObject({ status: 'approved', decided_by: m.alice.id, decision_comment: 'Checked with support' });
    const events = (await server.http(m.seed.key).get(`/api/v1/approvals/${m.approvalId}/events`).expect(200)).body.data as { type: string; actor: { id: string }; data: { source: string } }[];
    expect(events.find((e) => e.type === 'approval.approved')).toMatchObject({ actor: { id: m.alice.id }, data: { source: 'email' } });
    const page = await supertest(server.url).get(m.approve).expect(200);
    expect(page.text).toContain('You approved this request at');
    expect(page.text).toContain('cannot be used again');
    // The other link of the same email now answers that the request was decided.
    const other = await supertest(server.url).get(m.reject).expect(200);
    expect(other.text).toMatch(/This request was already approved by [^<]+ at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  });

  it('the reject link rejects', async () => {
    const m = await mailedRequest();
    await post(tokenOf(m.reject)).expect(303);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'rejected', decided_by: m.alice.id });
  });

  it('a second use is refused and changes nothing', async () => {
    const m = await mailedRequest({ required_approvals: 2 });
    await post(tokenOf(m.approve)).expect(303);
    const after = await snapshot(m.approvalId);
    expect(after).toMatchObject({ status: 'pending', current_approvals: 1, votes: 1, used_links: 1 });
    const again = await post(tokenOf(m.approve)).expect(200);
    expect(again.text).toContain('cannot be used again');
    expect(again.text).toContain('still waiting for other approvals');
    expect(await snapshot(m.approvalId)).toEqual(after);
    // Her other link is overtaken by her vote.
    const other = await supertest(server.url).get(m.reject).expect(200);
    expect(other.text).toContain('You already approved this request at');
    expect((await post(tokenOf(m.reject)).expect(200)).text).toContain('You already approved this request at');
    expect(await snapshot(m.approvalId)).toEqual(after);
  });

  it('an expired link is refused and changes nothing', async () => {
    const m = await mailedRequest();
    await server.db.query(`UPDATE decision_links SET expires_at = now() - interval '1 second' WHERE approval_id = $1`, [m.approvalId]);
    const before = await snapshot(m.approvalId);
    expect((await supertest(server.url).get(m.approve).expect(410)).text).toContain('This link expired at');
    expect((await post(tokenOf(m.approve)).expect(410)).text).toContain('This link expired at');
    expect(await snapshot(m.approvalId)).toEqual(before);
  });

  it('links expire with their request', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const m = await mailedRequest({ expires_at: expiresAt.toISOString() });
    const { rows } = await server.db.query<{ expires_at: Date }>('SELECT expires_at FROM decision_links WHERE approval_id = $1 AND user_id = $2', [m.approvalId, m.alice.id]);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.expires_at.getTime()).toBe(Math.floor(expiresAt.getTime()));
  });

  it('a link used after the request was decided elsewhere says so, and changes nothing', async () => {
    const m = await mailedRequest();
    const other = await m.seed.newKey({ name: 'Deploy bot' });
    await server.http(other.key).patch(`/api/v1/approvals/${m.approvalId}`).send({ decision: 'approve' }).expect(200);
    const before = await snapshot(m.approvalId);
    const page = await supertest(server.url).get(m.reject).expect(200);
    expect(page.text).toMatch(/This request was already approved by Deploy bot at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\./);
    const res = await post(tokenOf(m.reject)).expect(200);
    expect(res.text).toContain('already approved by Deploy bot');
    expect(await snapshot(m.approvalId)).toEqual(before);
  });

  it('a cancelled request says so', async () => {
    const m = await mailedRequest();
    await server.http(m.seed.key).delete(`/api/v1/approvals/${m.approvalId}`).expect(200);
    expect((await supertest(server.url).get(m.approve).expect(200)).text).toContain('This request was cancelled by primary at');
  });

  it('during the emergency stop the POST is refused, the link stays usable, and works once the stop ends', async () => {
    const m = await mailedRequest();
    await setEmergencyStop(server.db, m.seed.org.id, true);
    const refused = await post(tokenOf(m.approve)).expect(503);
    expect(refused.text).toContain('emergency stop');
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'pending', used_links: 0 });
    await setEmergencyStop(server.db, m.seed.org.id, false);
    await post(tokenOf(m.approve)).expect(303);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'approved', used_links: 1 });
  });

  it('a person made a viewer since the email cannot use it', async () => {
    const m = await mailedRequest();
    await server.db.query(`UPDATE memberships SET role = 'viewer' WHERE org_id = $1 AND user_id = $2`, [m.seed.org.id, m.alice.id]);
    await post(tokenOf(m.approve)).expect(403);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it.each([
    ['no token', { comment: 'x' }],
    ['a token too long to be one', { token: 'A'.repeat(101) }],
    ['a comment over the limit', { comment: 'x'.repeat(10_001) }],
  ])('a POST with %s → 400, nothing decided', async (_name, fields) => {
    const m = await mailedRequest();
    const body = { token: tokenOf(m.approve), ...fields } as Record<string, string>;
    if (!('token' in fields) && _name === 'no token') delete body.token;
    const res = await supertest(server.url).post('/decide').type('form').send(body).expect(400);
    expect(res.text).toContain('The form was not valid');
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it('the token authenticates nothing else: not the API, not the dashboard', async () => {
    const m = await mailedRequest();
    const token = tokenOf(m.approve);
    await supertest(server.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    await supertest(server.url).get(`/api/v1/approvals/${m.approvalId}`).set('Cookie', `${SESSION_COOKIE}=${token}`).expect(401);
  });

  it('a POST without the token, as a forged cross-site form with the person\'s cookies would be, decides nothing', async () => {
    const m = await mailedRequest();
    const session = sessionFor(server, m.alice, await createSession(server.db, m.alice.id, m.seed.org.id));
    await supertest(server.url).post('/decide').set('Cookie', session.cookie).type('form').send({ comment: 'x' }).expect(400);
    await supertest(server.url).post(m.approve).set('Cookie', session.cookie).type('form').send({}).expect(404);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'pending', votes: 0 });
  });
});
