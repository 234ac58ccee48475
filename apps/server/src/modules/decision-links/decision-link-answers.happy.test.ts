/**
 * Answers through an emailed decision link (a real SMTP server catches the mail, the link is taken
 * from it): the approve link's confirmation page carries the request's answer form (fields from
 * answerFields with their labels, help, defaults; each editable field with its value as requested),
 * a mail scanner's GET decides nothing, a wrong answer comes back at its fields with what was typed
 * and the request still pending, and a right one approves with the validated answer and edits, which
 * the signed callback (verified with standardwebhooks) carries too.
 */
import supertest from 'supertest';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookPayload } from '@greenlight/contract';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtp.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { confirmationForm } from '../../testing/decision-links.ts';
import { formBody, mailed, REFUND } from './answers-world.ts';

let server: TestServer;
let smtp: TestSmtpServer;
let receiver: TestReceiver;

beforeAll(async () => {
  smtp = await startSmtpServer();
  receiver = await startReceiver();
  server = await startTestServer({
    config: {
      GREENLIGHT_SMTP_URL: smtp.url,
      GREENLIGHT_MAIL_FROM: 'greenlight@example.test',
      GREENLIGHT_PUBLIC_URL: 'https://greenlight.example.test',
      GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
      GREENLIGHT_DELIVERY_SWEEP_MS: '50',
      GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms',
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await smtp?.close();
  await receiver?.close();
});

describe('the answer form of an approve link', () => {
  it('GET shows the form (and decides nothing); a wrong answer comes back at its fields, kept, still pending; a right one approves with it, the callback carries it', async () => {
    const m = await mailed(server, smtp, { ...REFUND, callback_url: `${receiver.url}/refund` });

    // A mail scanner fetches the link: nothing is decided.
    await supertest(server.url).get(m.approve).set('User-Agent', 'Microsoft Office Protocol Discovery').expect(200);
    await supertest(server.url).head(m.approve).expect(200);

    const page = await supertest(server.url).get(m.approve).expect(200);
    expect(page.text).toContain('Approve this request?');
    // Each field by its label, with its help, required marker and default; each editable field with its value as requested.
    expect(page.text).toMatch(/<label for="f-answer-2e-amount">Refund amount<span class="required" aria-hidden="true"> \*<\/span>/);
    expect(page.text).toContain('In euros, at most the order total');
    expect(page.text).toMatch(/<input type="number"[^>]* min="0" max="500" required value="" id="f-answer-2e-amount" name="answer.amount" aria-describedby="f-answer-2e-amount-help">/);
    expect(page.text).toContain('<option value="eu" selected>eu</option>');
    expect(page.text).toContain('<input type="hidden" name="answer.expedite" value="false"><input type="checkbox" value="true" id="f-answer-2e-expedite" name="answer.expedite">');
    expect(page.text).toContain('name="answer.channels" value="sms"');
    expect(page.text).toMatch(/name="edit.metadata.note"[^>]*>/);
    expect(page.text).toContain('value="Sorry for the delay"');
    expect(page.text).toContain('Requested: <code>Sorry for the delay</code>');
    expect(page.text).toContain('Requested: <code>12000</code>');
    expect((await server.http(m.seed.key).get(`/api/v1/approvals/${m.id}`).expect(200)).body.status).toBe('pending');

    const form = await confirmationForm(server.url, m.approve);
    const post = (fields: [string, string][]) =>
      supertest(server.url)
        .post('/decide')
        .set('Cookie', form.cookie)
        .type('form')
        .send(formBody([['token', form.token], ['csrf', form.csrf], ...fields]));

    // Too much, and not a number where a number was: each problem at its field, what was typed kept.
    const wrong = await post([
      ['answer.amount', '900'],
      ['answer.region', 'us'],
      ['answer.channels', 'sms'],
      ['edit.metadata.note', 'Refunded in full'],
      ['edit.metadata.arguments.amount_cents', 'lots'],
      ['comment', 'Checked the order'],
    ]).expect(400);
    expect(wrong.text).toContain('Approve this request?');
    expect(wrong.text).toContain('<div class="error" role="alert" id="answer-problems"><p><strong>Nothing was decided.</strong> 2 fields need your attention:');
    expect(wrong.text).toContain('<a href="#f-answer-2e-amount">Refund amount</a>');
    expect(wrong.text).toMatch(/value="900" id="f-answer-2e-amount" name="answer.amount" aria-describedby="f-answer-2e-amount-help f-answer-2e-amount-error" aria-invalid="true" autofocus>/);
    expect(wrong.text).toMatch(/<p class="field-error small" id="f-answer-2e-amount-error">[^<]*500[^<]*<\/p>/);
    expect(wrong.text).toMatch(/id="f-edit-2e-metadata-2e-arguments-2e-amount_cents-error">must be a number</);
    expect(wrong.text).toContain('<option value="us" selected>us</option>');
    expect(wrong.text).toContain('name="answer.channels" value="sms" checked');
    expect(wrong.text).toContain('value="Refunded in full"');
    expect(wrong.text).toContain('>Checked the order</textarea>');
    const still = (await server.http(m.seed.key).get(`/api/v1/approvals/${m.id}`).expect(200)).body;
    expect(still).toMatchObject({ status: 'pending', current_approvals: 0, response: null });
    // The re-rendered page's own form decides: its new CSRF value, the same cookie.
    const csrf = /name="csrf" value="([^"]+)"/.exec(wrong.text)![1]!;

    const right = await supertest(server.url)
      .post('/decide')
      .set('Cookie', form.cookie)
      .type('form')
      .send(
        formBody([
          ['token', form.token],
          ['csrf', csrf],
          ['answer.amount', '120.5'],
          ['answer.region', 'us'],
          ['answer.expedite', 'false'],
          ['answer.expedite', 'true'],
          ['answer.channels', 'email'],
          ['answer.channels', 'sms'],
          ['edit.metadata.note', 'Refunded in full'],
          ['edit.metadata.arguments.amount_cents', '12050'],
          ['comment', 'Checked the order'],
        ]),
      )
      .expect(303);
    expect(right.headers.location).toBe(m.approve);

    const decided = (await server.http(m.seed.key).get(`/api/v1/approvals/${m.id}`).expect(200)).body;
    const answer = { amount: 120.5, region: 'us', expedite: true, channels: ['email', 'sms'] };
    const edits = [
      { path: 'metadata.note', before: 'Sorry for the delay', after: 'Refunded in full' },
      { path: 'metadata.arguments.amount_cents', before: 12000, after: 12050 },
    ];
    expect(decided).toMatchObject({ status: 'approved', decided_by: m.alice.id, decision_comment: 'Checked the order', response: answer, edits });
    expect(decided.approved_content.metadata).toEqual({ order: '1001', note: 'Refunded in full', arguments: { amount_cents: 12050, tags: ['vip'] } });

    // The page now says what was done, with the answer and the edits.
    const done = await supertest(server.url).get(m.approve).expect(200);
    expect(done.text).toContain('You approved this request');
    expect(done.text).toContain('<dt>Refund amount</dt><dd>120.5</dd>');
    expect(done.text).toContain('<dt>Tell the customer by</dt><dd>email, sms</dd>');
    expect(done.text).toContain('<td><code>Sorry for the delay</code></td><td><code>Refunded in full</code></td>');

    // The automation gets the same answer, signed.
    const secret = (await server.http(m.seed.key).get('/api/v1/callback-secret').expect(200)).body.secret as string;
    await receiver.until(() => receiver.received.some((r) => r.body.includes(m.id)));
    const callback = receiver.received.find((r) => r.body.includes(m.id))!;
    const payload = WebhookPayload.parse(new Webhook(secret).verify(callback.body, callback.headers as Record<string, string>));
    expect(payload.type).toBe('approval.approved');
    expect(payload.data.approval).toMatchObject({ id: m.id, status: 'approved', response: answer, edits });
    expect(payload.data.approval!.approved_content_sha256).toBe(decided.approved_content_sha256);
  });

  it('defaults that answer the schema: approving without touching the form answers with them, nothing edited', async () => {
    const m = await mailed(server, smtp, {
      title: 'Ship it',
      response_schema: { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'], default: 'eu' }, notes: { type: 'string' } } },
    });
    const form = await confirmationForm(server.url, m.approve);
    // What a browser sends for the untouched form: the select's value, the empty textarea.
    await form.submit({ 'answer.region': 'eu', 'answer.notes': '' }).expect(303);
    expect((await server.http(m.seed.key).get(`/api/v1/approvals/${m.id}`).expect(200)).body).toMatchObject({ status: 'approved', response: { region: 'eu' }, edits: [] });
  });

  it('a reject link has no answer form and rejects with nothing answered, whatever is posted with it', async () => {
    const m = await mailed(server, smtp, REFUND);
    const page = await supertest(server.url).get(m.reject).expect(200);
    expect(page.text).toContain('Reject this request?');
    expect(page.text).not.toContain('name="answer.');
    const form = await confirmationForm(server.url, m.reject);
    await form.submit({ 'answer.amount': '5', 'edit.metadata.note': 'x' }).expect(303);
    expect((await server.http(m.seed.key).get(`/api/v1/approvals/${m.id}`).expect(200)).body).toMatchObject({ status: 'rejected', response: null, edits: [] });
  });
});
