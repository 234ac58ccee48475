/**
 * Decision links from real emails (a real SMTP server): reading a link changes nothing, whoever reads
 * it and however (GET, HEAD, with or without cookies); only the confirmation page's POST decides,
 * with that page's per-render CSRF value and cookie, once, through the same rules as the API; a
 * used, expired or overtaken link says what happened.
 */
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { sessionFor } from '../../testing/session.ts';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtp.ts';
import { createSession, SESSION_COOKIE } from '../users/sessions.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import { expireDue } from '../../core/approvals/index.ts';
import { confirmationForm, linkIn, type ConfirmationForm } from '../../testing/decision-links.ts';
import { checkConfirmationCsrf, confirmationCsrfValue, FORM_MAX_AGE_MS } from './confirmation-csrf.ts';

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
  return { seed, approvalId: a.id, alice, approve: linkIn(text, 'Approve'), reject: linkIn(text, 'Reject') };
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

describe('reading a link changes nothing', () => {
  it('GET and HEAD, with and without cookies, repeated, leave the request, its votes and the link as they were', async () => {
    const m = await mailedRequest();
    const before = await snapshot(m.approvalId);
    const session = sessionFor(server, m.alice, await createSession(server.db, m.alice.id, m.seed.org.id));
    // The confirmation page's own cookie, sent back as a browser would: still only a read.
    const pageCookie = (await confirmationForm(server.url, m.approve)).cookie;
    for (const path of [m.approve, m.reject]) {
      for (let i = 0; i < 3; i++) {
        await supertest(server.url).get(path).expect(200);
        await supertest(server.url).head(path).expect(200);
        await supertest(server.url).get(path).set('Cookie', session.cookie).expect(200);
        await supertest(server.url).head(path).set('Cookie', session.cookie).expect(200);
        await supertest(server.url).get(path).set('Cookie', `${session.cookie}; ${pageCookie}`).expect(200);
        await supertest(server.url).head(path).set('Cookie', pageCookie).expect(200);
        // What link checkers send: no cookies, a bot's user agent, a preview's Accept.
        await supertest(server.url).get(path).set('User-Agent', 'Microsoft Office Protocol Discovery').set('Accept', '*/*').expect(200);
      }
    }
    expect(await snapshot(m.approvalId)).toEqual(before);
    expect(before).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it('the confirmation page: the request, a form with the token and a per-render CSRF value, its cookie, and headers that keep it private and unframed', async () => {
    const m = await mailedRequest({
      title: 'Rotate <keys>',
      description: '**All** keys\n<script>alert(1)</script>\n[click](javascript:alert(1)) ![x](https://evil.test/p.gif)',
      changes: { before: { n: 1 }, after: { n: 2 } },
    });
    const res = await supertest(server.url).get(m.approve).expect(200);
    expect(res.text).toContain('Approve this request?');
    expect(res.text).toContain('Rotate &lt;keys&gt;');
    // The description rendered as in the email: nothing from it links, loads or runs.
    expect(res.text).toContain('<strong>All</strong> keys');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(res.text).toContain('click (javascript:alert(1)) [image: x]');
    expect(res.text).not.toMatch(/<script|<img|href="javascript/i);
    expect(res.text).toContain('<form method="post" action="/decide">');
    expect(res.text).toContain(`name="token" value="${tokenOf(m.approve)}"`);
    expect(res.text).toMatch(/name="csrf" value="\d+\.[A-Za-z0-9_-]{43}"/);
    expect(res.text).toContain('name="comment"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).toContain("form-action 'self'");
    // Only the confirmation cookie: no session, nothing that signs anyone in.
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^__Host-gl_decide=[A-Za-z0-9_-]{43}; Max-Age=3600; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/);
  });

  it('each render has its own value; a browser that sends the cookie back keeps its nonce, so several open pages all work', async () => {
    const m = await mailedRequest();
    const n = await mailedRequest();
    const first = await confirmationForm(server.url, m.approve);
    await new Promise((r) => setTimeout(r, 5));
    const again = await supertest(server.url).get(m.approve).set('Cookie', first.cookie).expect(200);
    expect(([] as string[]).concat(again.headers['set-cookie'] ?? [])[0]!.split(';')[0]).toBe(first.cookie);
    const secondCsrf = /name="csrf" value="([^"]+)"/.exec(again.text)![1]!;
    expect(secondCsrf).not.toBe(first.csrf);
    // Another request's page in the same browser, opened later: the first page's form still works.
    const other = await supertest(server.url).get(n.reject).set('Cookie', first.cookie).expect(200);
    expect(([] as string[]).concat(other.headers['set-cookie'] ?? [])[0]!.split(';')[0]).toBe(first.cookie);
    await first.submit().expect(303);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'approved' });
    // And without the cookie sent back, a fresh nonce: a page rendered elsewhere is another browser.
    const fresh = await confirmationForm(server.url, n.reject);
    expect(fresh.cookie).not.toBe(first.cookie);
  });

  it('fields marked sensitive are masked on the page for a holder who may not see them, before and after use; shown to an admin', async () => {
    const m = await mailedRequest({
      changes: { before: { card: '4111 1111 1111 1111', plan: 'pro' }, after: { card: '5500 0000 0000 0004', plan: 'team' } },
      redact: ['changes.before.card', 'changes.after.card'],
    });
    const check = (text: string) => {
      expect(text).toContain('[redacted]');
      expect(text).toContain('&quot;team&quot;');
      expect(text).not.toContain('4111 1111');
      expect(text).not.toContain('5500 0000');
    };
    // The admin is asked too (no routing), and may see them.
    await smtp.until(() => smtp.to(m.seed.admin.email).length === 1);
    const form = await confirmationForm(server.url, m.approve);
    check((await supertest(server.url).get(m.approve).expect(200)).text);
    await form.submit().expect(303);
    check((await supertest(server.url).get(m.approve).expect(200)).text);
    check((await supertest(server.url).get(m.reject).expect(200)).text);
    const adminPage = await supertest(server.url).get(linkIn(smtp.to(m.seed.admin.email)[0]!.text, 'Reject')).expect(200);
    expect(adminPage.text).toContain('5500 0000 0000 0004');
  });

  it('an unknown or malformed token is not valid, and looks the same either way', async () => {
    const a = await supertest(server.url).get(`/decide/${'A'.repeat(43)}`).expect(404);
    const b = await supertest(server.url).get('/decide/not-a-token').expect(404);
    expect(a.text).toBe(b.text);
    expect(a.headers['set-cookie']).toBeUndefined();
  });
});

describe("the confirmation form's CSRF value", () => {
  /** A browser nonce of our own choosing, to make values as a forger who knows one could. */
  const nonce = 'N'.repeat(43);
  const cookieName = '__Host-gl_decide';

  it.each<[string, (f: ConfirmationForm, m: Mailed) => PromiseLike<supertest.Response>, RegExp]>([
    ['no CSRF value', (f) => f.submit({ csrf: '' }), /did not come from the page Greenlight showed/],
    ['the value without the cookie', (f) => f.submit({}, { cookie: null }), /did not send back the cookie/],
    ['the cookie under the plain-HTTP name', (f) => f.submit({}, { cookie: f.cookie.replace('__Host-', '') }), /did not send back the cookie/],
    ['a malformed cookie', (f) => f.submit({}, { cookie: `${cookieName}=short` }), /did not send back the cookie/],
    ["another browser's cookie", async (f, m) => f.submit({}, { cookie: (await confirmationForm(server.url, m.approve)).cookie }), /did not come from the page/],
    ['the value of the same link\'s other page (reject)', async (f, m) => {
      const other = await supertest(server.url).get(m.reject).set('Cookie', f.cookie).expect(200);
      return f.submit({ csrf: /name="csrf" value="([^"]+)"/.exec(other.text)![1]! });
    }, /did not come from the page/],
    ['the value of another request\'s page in the same browser', async (f) => {
      const n = await mailedRequest();
      const other = await supertest(server.url).get(n.approve).set('Cookie', f.cookie).expect(200);
      return f.submit({ csrf: /name="csrf" value="([^"]+)"/.exec(other.text)![1]! });
    }, /did not come from the page/],
    ['a tampered MAC', (f) => f.submit({ csrf: f.csrf.slice(0, -1) + (f.csrf.endsWith('A') ? 'B' : 'A') }), /did not come from the page/],
    ['the MAC with another render time', (f) => f.submit({ csrf: `${Number(f.csrf.split('.')[0]) + 1}.${f.csrf.split('.')[1]}` }), /did not come from the page/],
    ['a value for a cookie the forger chose, without that cookie', (f, m) => f.submit({ csrf: confirmationCsrfValue(nonce, tokenOf(m.approve), Date.now()) }), /did not come from the page/],
    ['a render older than an hour', (f, m) => f.submit({ csrf: confirmationCsrfValue(nonce, tokenOf(m.approve), Date.now() - FORM_MAX_AGE_MS - 1000) }, { cookie: `${cookieName}=${nonce}` }), /open for more than an hour/],
    ['a render more than 5 minutes in the future', (f, m) => f.submit({ csrf: confirmationCsrfValue(nonce, tokenOf(m.approve), Date.now() + 6 * 60_000) }, { cookie: `${cookieName}=${nonce}` }), /open for more than an hour/],
  ])('%s → 403, nothing decided, the link still usable from its page', async (_name, send, message) => {
    const m = await mailedRequest();
    const form = await confirmationForm(server.url, m.approve);
    const before = await snapshot(m.approvalId);
    const res = await send(form, m);
    expect(res.status).toBe(403);
    expect(res.text).toContain('Nothing was decided.');
    expect(res.text).toMatch(message);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await snapshot(m.approvalId)).toEqual(before);
    await form.submit().expect(303);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'approved', used_links: 1 });
  });

  it('a value made with the cookie it comes with, within the hour, is accepted (the check is the MAC, not the server that rendered it)', async () => {
    const m = await mailedRequest();
    const form = await confirmationForm(server.url, m.approve);
    await form.submit({ csrf: confirmationCsrfValue(nonce, tokenOf(m.approve), Date.now() - FORM_MAX_AGE_MS + 60_000) }, { cookie: `${cookieName}=${nonce}` }).expect(303);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'approved' });
  });

  it.each([
    ['over HTTPS, the __Host- cookie → ok', true, `__Host-gl_decide=${nonce}`, 'ok'],
    ['over HTTPS, the plain cookie → no cookie', true, `gl_decide=${nonce}`, 'no_cookie'],
    ['over plain HTTP, the plain cookie → ok', false, `gl_decide=${nonce}`, 'ok'],
    ['over plain HTTP, the __Host- cookie → no cookie', false, `__Host-gl_decide=${nonce}`, 'no_cookie'],
  ] as const)('served %s', (_name, secure, cookie, expected) => {
    const req = { headers: { cookie } } as unknown as Parameters<typeof checkConfirmationCsrf>[0];
    expect(checkConfirmationCsrf(req, 'T'.repeat(43), confirmationCsrfValue(nonce, 'T'.repeat(43), Date.now()), secure)).toBe(expected);
  });

  it("a forged cross-site POST with the person's session cookie, the token but no page cookie, decides nothing", async () => {
    const m = await mailedRequest();
    const session = sessionFor(server, m.alice, await createSession(server.db, m.alice.id, m.seed.org.id));
    await supertest(server.url).post('/decide').set('Cookie', session.cookie).type('form').send({ token: tokenOf(m.approve) }).expect(403);
    await supertest(server.url).post('/decide').set('Cookie', session.cookie).type('form').send({ comment: 'x' }).expect(400);
    await supertest(server.url).post(m.approve).set('Cookie', session.cookie).type('form').send({}).expect(404);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it('an unknown token is refused too, and reveals nothing', async () => {
    const form = await confirmationForm(server.url, (await mailedRequest()).approve);
    await form.submit({ token: 'A'.repeat(43) }).expect(403);
    await form.submit({ token: 'A'.repeat(43), csrf: confirmationCsrfValue(nonce, 'A'.repeat(43), Date.now()) }, { cookie: `${cookieName}=${nonce}` }).expect(404);
  });
});

describe('using a link', () => {
  it('the POST of the page approves, as that person, with the comment; then the link says so', async () => {
    const m = await mailedRequest();
    const res = await (await confirmationForm(server.url, m.approve)).submit({ comment: 'Checked with support' }).expect(303);
    expect(res.headers.location).toBe(m.approve);
    expect(res.headers['set-cookie']).toBeUndefined();
    const a = (await server.http(m.seed.key).get(`/api/v1/approvals/${m.approvalId}`).expect(200)).body;
    expect(a).toMatchObject({ status: 'approved', decided_by: m.alice.id, decision_comment: 'Checked with support' });
    const events = (await server.http(m.seed.key).get(`/api/v1/approvals/${m.approvalId}/events`).expect(200)).body.data as { type: string; actor: { id: string }; data: { source: string } }[];
    expect(events.find((e) => e.type === 'approval.approved')).toMatchObject({ actor: { id: m.alice.id }, data: { source: 'email' } });
    const page = await supertest(server.url).get(m.approve).expect(200);
    expect(page.text).toContain('You approved this request at');
    expect(page.text).toContain('cannot be used again');
    expect(page.text).not.toContain('<form');
    // The other link of the same email now answers that the request was decided.
    const other = await supertest(server.url).get(m.reject).expect(200);
    expect(other.text).toMatch(/This request was already approved by [^<]+ at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  });

  it('the reject link rejects', async () => {
    const m = await mailedRequest();
    await (await confirmationForm(server.url, m.reject)).submit().expect(303);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'rejected', decided_by: m.alice.id });
  });

  it('a second use is refused and changes nothing', async () => {
    const m = await mailedRequest({ required_approvals: 2 });
    const approve = await confirmationForm(server.url, m.approve);
    const reject = await confirmationForm(server.url, m.reject);
    await approve.submit().expect(303);
    const after = await snapshot(m.approvalId);
    expect(after).toMatchObject({ status: 'pending', current_approvals: 1, votes: 1, used_links: 1 });
    // The same form sent again (a double click, the back button).
    const again = await approve.submit().expect(200);
    expect(again.text).toContain('cannot be used again');
    expect(again.text).toContain('still waiting for other approvals');
    expect(await snapshot(m.approvalId)).toEqual(after);
    // Her other link is overtaken by her vote, whether opened now or sent from a page open before.
    expect((await supertest(server.url).get(m.reject).expect(200)).text).toContain('You already approved this request at');
    expect((await reject.submit().expect(200)).text).toContain('You already approved this request at');
    expect(await snapshot(m.approvalId)).toEqual(after);
  });

  it('an expired link is refused and changes nothing', async () => {
    const m = await mailedRequest();
    const form = await confirmationForm(server.url, m.approve);
    await server.db.query(`UPDATE decision_links SET expires_at = now() - interval '1 second' WHERE approval_id = $1`, [m.approvalId]);
    const before = await snapshot(m.approvalId);
    const page = await supertest(server.url).get(m.approve).expect(410);
    expect(page.text).toContain('This link expired at');
    expect(page.text).not.toContain('<form');
    expect((await form.submit().expect(410)).text).toContain('This link expired at');
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
    const form = await confirmationForm(server.url, m.reject);
    const other = await m.seed.newKey({ name: 'Deploy bot' });
    await server.http(other.key).patch(`/api/v1/approvals/${m.approvalId}`).send({ decision: 'approve' }).expect(200);
    const before = await snapshot(m.approvalId);
    const page = await supertest(server.url).get(m.reject).expect(200);
    expect(page.text).toMatch(/This request was already approved by Deploy bot at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\./);
    expect(page.text).not.toContain('<form');
    const res = await form.submit().expect(200);
    expect(res.text).toContain('already approved by Deploy bot');
    expect(await snapshot(m.approvalId)).toEqual(before);
  });

  it('a cancelled request says so', async () => {
    const m = await mailedRequest();
    const form = await confirmationForm(server.url, m.approve);
    await server.http(m.seed.key).delete(`/api/v1/approvals/${m.approvalId}`).expect(200);
    expect((await supertest(server.url).get(m.approve).expect(200)).text).toContain('This request was cancelled by primary at');
    expect((await form.submit().expect(200)).text).toContain('This request was cancelled by primary at');
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'cancelled', used_links: 0 });
  });

  it('a request the expiry sweep closed: its links say it expired, and change nothing', async () => {
    const expiresAt = Date.now() + 4000;
    const m = await mailedRequest({ expires_at: new Date(expiresAt).toISOString() });
    const form = await confirmationForm(server.url, m.approve);
    await new Promise((r) => setTimeout(r, expiresAt - Date.now() + 100));
    expect(await expireDue(server.db)).toBeGreaterThanOrEqual(1);
    const before = await snapshot(m.approvalId);
    expect(before).toMatchObject({ status: 'expired', used_links: 0 });
    const page = await supertest(server.url).get(m.reject).expect(200);
    expect(page.text).toContain('This request expired at');
    expect(page.text).not.toContain('<form');
    expect((await form.submit().expect(200)).text).toContain('This request expired at');
    expect(await snapshot(m.approvalId)).toEqual(before);
  });

  it('during the emergency stop the POST is refused, the link stays usable, and works once the stop ends', async () => {
    const m = await mailedRequest();
    const form = await confirmationForm(server.url, m.approve);
    await setEmergencyStop(server.db, m.seed.org.id, true);
    const refused = await form.submit().expect(503);
    expect(refused.text).toContain('emergency stop');
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'pending', used_links: 0 });
    await setEmergencyStop(server.db, m.seed.org.id, false);
    await form.submit().expect(303);
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'approved', used_links: 1 });
  });

  it('a person made a viewer since the email cannot use it', async () => {
    const m = await mailedRequest();
    const form = await confirmationForm(server.url, m.approve);
    await server.db.query(`UPDATE memberships SET role = 'viewer' WHERE org_id = $1 AND user_id = $2`, [m.seed.org.id, m.alice.id]);
    expect((await form.submit().expect(403)).text).toContain('no longer an approver');
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it.each([
    ['no token', { token: '' }],
    ['a token too long to be one', { token: 'A'.repeat(101) }],
    ['a comment over the limit', { comment: 'x'.repeat(10_001) }],
  ])('a POST with %s → 400, nothing decided', async (name, fields) => {
    const m = await mailedRequest();
    const form = await confirmationForm(server.url, m.approve);
    const res =
      name === 'no token'
        ? await supertest(server.url).post('/decide').set('Cookie', form.cookie).type('form').send({ csrf: form.csrf }).expect(400)
        : await form.submit(fields).expect(400);
    expect(res.text).toContain('The form was not valid');
    expect(await snapshot(m.approvalId)).toMatchObject({ status: 'pending', votes: 0, used_links: 0 });
  });

  it('the token authenticates nothing else: not the API, not the dashboard', async () => {
    const m = await mailedRequest();
    const token = tokenOf(m.approve);
    await supertest(server.url).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    await supertest(server.url).get(`/api/v1/approvals/${m.approvalId}`).set('Cookie', `${SESSION_COOKIE}=${token}`).expect(401);
    // Nor does the confirmation page's cookie.
    const form = await confirmationForm(server.url, m.approve);
    await supertest(server.url).get(`/api/v1/approvals/${m.approvalId}`).set('Cookie', form.cookie).expect(401);
  });
});

describe('a link the rules would refuse offers no button', () => {
  it('after the request is given steps that ask someone else, her link says whom it waits for instead of offering Approve', async () => {
    const m = await mailedRequest();
    const bob = await m.seed.addUser('approver', `bob-${m.seed.org.slug}@example.test`);
    await server.http(m.seed.key).post(`/api/v1/approvals/${m.approvalId}/steps`).send({ steps: [{ approver_id: bob.id, step_order: 1 }] }).expect(201);
    const before = await snapshot(m.approvalId);
    const res = await supertest(server.url).get(m.approve).expect(200);
    expect(res.text).toContain(`Waiting for bob-${m.seed.org.slug}@example.test`);
    expect(res.text).not.toContain('<button');
    expect(await snapshot(m.approvalId)).toEqual(before);
  });
});

