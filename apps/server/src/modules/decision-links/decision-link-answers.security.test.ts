/**
 * The answer form of a decision link's page decides only as the link's page does: its POST without
 * the page's CSRF value (or its cookie), or carrying another request's token, decides nothing; a
 * forged body that skips the browser's checks is checked on the server and decides nothing; a field
 * the request does not make editable is not changed by posting it; and what the requester wrote into
 * the schema (labels, help, choices) is escaped, never markup.
 */
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtp.ts';
import { confirmationForm } from '../../testing/decision-links.ts';
import { formBody, mailed, REFUND } from './answers-world.ts';

let server: TestServer;
let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startSmtpServer();
  server = await startTestServer({
    config: { GREENLIGHT_SMTP_URL: smtp.url, GREENLIGHT_MAIL_FROM: 'greenlight@example.test', GREENLIGHT_PUBLIC_URL: 'https://greenlight.example.test' },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

const VALID: [string, string][] = [
  ['answer.amount', '50'],
  ['answer.region', 'eu'],
];

async function state(seedKey: string, id: string) {
  const a = (await server.http(seedKey).get(`/api/v1/approvals/${id}`).expect(200)).body;
  const { rows } = await server.db.query<{ votes: number; used: number }>(
    `SELECT (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = $1) AS votes,
            (SELECT count(*)::int FROM decision_links l WHERE l.approval_id = $1 AND l.used_at IS NOT NULL) AS used`,
    [id],
  );
  return { status: a.status as string, response: a.response as unknown, ...rows[0]! };
}
const UNTOUCHED = { status: 'pending', response: null, votes: 0, used: 0 };

describe('the answer form decides only from its own page', () => {
  it('without the CSRF value, or without the page cookie, a valid answer decides nothing', async () => {
    const m = await mailed(server, smtp, REFUND);
    const form = await confirmationForm(server.url, m.approve);
    const noCsrf = await supertest(server.url).post('/decide').set('Cookie', form.cookie).type('form').send(formBody([['token', form.token], ...VALID])).expect(403);
    expect(noCsrf.text).toContain('Nothing was decided');
    await supertest(server.url)
      .post('/decide')
      .type('form')
      .send(formBody([['token', form.token], ['csrf', form.csrf], ...VALID]))
      .expect(403);
    expect(await state(m.seed.key, m.id)).toEqual(UNTOUCHED);
    // The page itself still works afterwards.
    await form.submit(Object.fromEntries(VALID)).expect(303);
    expect(await state(m.seed.key, m.id)).toMatchObject({ status: 'approved', response: { amount: 50, region: 'eu' } });
  });

  it("another request's token with this page's CSRF value decides neither request", async () => {
    const a = await mailed(server, smtp, REFUND);
    const b = await mailed(server, smtp, REFUND);
    const formA = await confirmationForm(server.url, a.approve);
    const formB = await confirmationForm(server.url, b.approve);
    // B's token with A's page value (in A's browser): refused, as is A's token with B's value.
    await supertest(server.url)
      .post('/decide')
      .set('Cookie', formA.cookie)
      .type('form')
      .send(formBody([['token', formB.token], ['csrf', formA.csrf], ...VALID]))
      .expect(403);
    await supertest(server.url)
      .post('/decide')
      .set('Cookie', formA.cookie)
      .type('form')
      .send(formBody([['token', formA.token], ['csrf', formB.csrf], ...VALID]))
      .expect(403);
    expect(await state(a.seed.key, a.id)).toEqual(UNTOUCHED);
    expect(await state(b.seed.key, b.id)).toEqual(UNTOUCHED);
  });

  it("a forged body skipping the browser's checks is checked on the server: nothing decided, the link still usable", async () => {
    const m = await mailed(server, smtp, REFUND);
    const form = await confirmationForm(server.url, m.approve);
    for (const fields of [
      [['answer.amount', '-1']],
      [['answer.amount', '10'], ['answer.region', 'mars']],
      [['answer.amount', '10'], ['answer.channels', 'pigeon']],
      [['answer.amount', '1e400']],
      [['answer.amount', '10'], ['edit.metadata.arguments.amount_cents', '"12000"'], ['edit.metadata.note', 'ok']],
      [],
    ] as [string, string][][]) {
      const res = await form.submit(Object.fromEntries(fields)).expect(400);
      expect(res.text).toContain('Nothing was decided.');
      expect(res.text).toContain('class="field-error small"');
    }
    expect(await state(m.seed.key, m.id)).toEqual(UNTOUCHED);
  });

  it('a posted field the request does not make editable changes nothing', async () => {
    const m = await mailed(server, smtp, REFUND);
    const form = await confirmationForm(server.url, m.approve);
    await form.submit({ 'answer.amount': '10', 'edit.metadata.order': '9999', 'answer.extra': 'x' }).expect(303);
    const a = (await server.http(m.seed.key).get(`/api/v1/approvals/${m.id}`).expect(200)).body;
    expect(a).toMatchObject({ status: 'approved', response: { amount: 10, region: 'eu' }, edits: [] });
    expect(a.approved_content.metadata.order).toBe('1001');
  });

  it("the schema's labels, help and choices are escaped on the page", async () => {
    const m = await mailed(server, smtp, {
      title: 'Escape',
      response_schema: {
        type: 'object',
        title: '<b>Form</b>',
        properties: {
          pick: { type: 'string', title: '<img src=x onerror=alert(1)>', description: '<script>alert(1)</script>', enum: ['"><script>x</script>', 'ok'] },
        },
      },
      metadata: { q: '</textarea><script>alert(2)</script>' },
      editable: ['metadata.q'],
    });
    const page = await supertest(server.url).get(m.approve).expect(200);
    expect(page.text).not.toMatch(/<script|<img|<b>Form/i);
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(page.text).toContain('&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  });
});
