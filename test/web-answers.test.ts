/**
 * Answers in a real browser (Debian's Chromium via playwright-core): a request that asks for an
 * answer and lets the reviewer edit a field is approved from its dashboard page through a form built
 * from the contract's answerFields. A wrong answer is refused at its field by the contract's own check
 * before anything is sent (focus on it, announced), and the server's refusal of an answer that got past
 * the browser is shown at the field too; nothing is decided. A right answer approves: the request's
 * stored response and the signed callback (verified with standardwebhooks) carry the same validated
 * answer, and the page shows the answer, the edits before and after, and the audit trail's vote with
 * them. The decision link's page shows the same form in Chromium at a phone's width. Screenshots at
 * desktop and phone width.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { Browser, Page } from 'playwright-core';
import { WebhookPayload } from '@greenlight/contract';
import { browserTestsRun, launchChromium, openContext, prepareDashboard, shot, signedInPage, VIEWPORTS } from './browser.ts';
import { harness, linkIn, mailConfig, REFUND as SHARED_REFUND, memberWithPassword, startReceiver, startSmtpServer, type TestReceiver, type TestSmtpServer } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;
let receiver: TestReceiver;
let smtp: TestSmtpServer;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  [receiver, smtp] = await Promise.all([startReceiver(), startSmtpServer()]);
  const config = {
    ...mailConfig(smtp),
    GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
    GREENLIGHT_DELIVERY_SWEEP_MS: '50',
    GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms',
  } as Record<string, string>;
  // The email's links point at the public URL; the browser opens their paths on the test server.
  delete config.GREENLIGHT_PUBLIC_URL;
  [server, browser] = await Promise.all([harness.startTestServer({ config }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await receiver?.close();
  await smtp?.close();
});

/** The shared refund request; here the reviewer may rewrite the note and the tags. */
const REFUND = { ...SHARED_REFUND, editable: ['metadata.note', 'metadata.arguments.tags'] };

/** The page fits a phone's width: nothing scrolls sideways. */
const fitsWidth = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
/** The id of the element that has the focus. */
const focusedId = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.id');

describe.skipIf(!browserTestsRun)('answering a request on the dashboard', () => {
  for (const viewport of VIEWPORTS) {
    it(`refused at the field (browser and server), then approved with an answer and an edit (${viewport.name})`, async () => {
      const seed = await harness.seedOrg(server.db, `Answers ${viewport.name}`);
      const reviewer = await memberWithPassword(server, seed, 'approver');
      const created = await server
        .http(seed.key)
        .post('/api/v1/approvals')
        .send(harness.approvalBody({ ...REFUND, callback_url: `${receiver.url}/refund-${viewport.name}` }))
        .expect(201);
      const id = created.body.id as string;
      const { context, page } = await signedInPage(browser, server.url, reviewer, viewport);
      await page.goto(`/requests/${id}`);
      await page.getByRole('heading', { name: 'Refund order #1001' }).waitFor();

      // The form: each field by its label (bound to its control), help, default; the editable fields as requested.
      const amount = page.getByLabel('Refund amount');
      await amount.waitFor();
      expect(await amount.getAttribute('type')).toBe('number');
      expect(await amount.getAttribute('min')).toBe('0');
      expect(await amount.getAttribute('max')).toBe('500');
      expect(await page.getByTestId('answer-form').getByText('In euros, at most the order total').count()).toBe(1);
      expect(await page.getByLabel('region').inputValue()).toBe('eu');
      expect(await page.getByLabel('Expedite').isChecked()).toBe(false);
      expect(await page.getByRole('group', { name: 'Tell the customer by' }).getByLabel('sms').isChecked()).toBe(false);
      expect(await page.getByLabel('metadata.note').inputValue()).toBe('Sorry for the delay');
      expect(JSON.parse(await page.getByLabel('metadata.arguments.tags').inputValue())).toEqual(['vip']);
      expect(await page.getByTestId('edit-field').first().textContent()).toContain('Requested: Sorry for the delay');
      expect(await fitsWidth(page)).toBe(true);
      await shot(page, `answers-form-${viewport.name}`);

      // Too much: the contract's check refuses it in the browser, at the field, focused and announced; nothing is sent.
      let patches = 0;
      page.on('request', (r) => {
        if (r.method() === 'PATCH' && r.url().endsWith(`/api/v1/approvals/${id}`)) patches++;
      });
      await amount.fill('900');
      await page.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => amount.getAttribute('aria-invalid')).toBe('true');
      const described = (await amount.getAttribute('aria-describedby'))!.split(' ');
      const error = await page.locator(`[id="${described.at(-1)}"]`).textContent();
      expect(error).toContain('500');
      expect(await focusedId(page)).toBe(await amount.getAttribute('id'));
      expect(await page.getByTestId('answer-problems').textContent()).toContain('one field needs your attention');
      expect(await page.getByTestId('answer-problems').getAttribute('aria-live')).toBe('assertive');
      // Not JSON where a list was.
      await amount.fill('120');
      await page.getByLabel('metadata.arguments.tags').fill('[vip');
      await page.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => page.getByLabel('metadata.arguments.tags').getAttribute('aria-invalid')).toBe('true');
      expect(await focusedId(page)).toBe(
        await page.getByLabel('metadata.arguments.tags').getAttribute('id'),
      );
      expect(await amount.getAttribute('aria-invalid')).toBeNull();
      await shot(page, `answers-refused-${viewport.name}`);
      expect(patches).toBe(0);

      // An answer that got past the browser (here: changed on its way) is refused by the server, named at its field.
      await page.getByLabel('metadata.arguments.tags').fill('["vip"]');
      await page.route(`**/api/v1/approvals/${id}`, async (route) => {
        if (route.request().method() !== 'PATCH') return route.continue();
        const body = JSON.parse(route.request().postData()!) as { response: Record<string, unknown> };
        await route.continue({ postData: JSON.stringify({ ...body, response: { ...body.response, region: 'mars' } }) });
      });
      await page.getByRole('button', { name: 'Approve' }).click();
      const region = page.getByLabel('region');
      await expect.poll(() => region.getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator(`[id="${(await region.getAttribute('aria-describedby'))!}"]`).textContent()).toMatch(/eu|us|option|invalid/i);
      expect(await focusedId(page)).toBe(await region.getAttribute('id'));
      await page.unroute(`**/api/v1/approvals/${id}`);
      expect(patches).toBe(1);
      expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'pending', response: null, current_approvals: 0 });

      // The right answer, an edit: approved.
      await region.selectOption('us');
      await page.getByLabel('Expedite').check();
      await page.getByRole('group', { name: 'Tell the customer by' }).getByLabel('sms').check();
      await page.getByLabel('metadata.note').fill('Refunded in full, sorry again');
      await page.getByLabel('metadata.arguments.tags').fill('["vip", "refund"]');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByText('You approved this request.').waitFor();

      const answer = { amount: 120, region: 'us', expedite: true, channels: ['sms'] };
      const edits = [
        { path: 'metadata.note', before: 'Sorry for the delay', after: 'Refunded in full, sorry again' },
        { path: 'metadata.arguments.tags', before: ['vip'], after: ['vip', 'refund'] },
      ];
      const stored = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
      expect(stored).toMatchObject({ status: 'approved', decided_by: reviewer.id, response: answer, edits });
      expect(stored.approved_content.metadata).toEqual({ order: '1001', note: 'Refunded in full, sorry again', arguments: { amount_cents: 12000, tags: ['vip', 'refund'] } });

      const secret = (await server.http(seed.key).get('/api/v1/callback-secret').expect(200)).body.secret as string;
      await receiver.until(() => receiver.received.some((r) => r.path === `/refund-${viewport.name}`));
      const callback = receiver.received.find((r) => r.path === `/refund-${viewport.name}`)!;
      const payload = WebhookPayload.parse(new Webhook(secret).verify(callback.body, callback.headers as Record<string, string>));
      expect(payload.data.approval).toMatchObject({ id, status: 'approved', response: answer, edits });
      expect(payload.data.approval!.approved_content_sha256).toBe(stored.approved_content_sha256);

      // The page shows what was asked and answered, the edit before and after, and the vote in the audit trail.
      const view = page.getByTestId('answer-view');
      await expect.poll(() => view.getByRole('heading').first().textContent()).toBe('Answer');
      await expect.poll(() => view.locator('[data-field="amount"] dd').textContent()).toBe('120');
      expect(await view.locator('[data-field="expedite"] dd').textContent()).toBe('yes');
      expect(await view.locator('[data-field="channels"] dd').textContent()).toBe('sms');
      expect(await view.locator('[data-field="amount"] dt').textContent()).toContain('Refund amount');
      const row = view.locator('[data-testid="edits"] tr[data-path="metadata.note"]');
      expect(await row.locator('td.before').textContent()).toBe('Sorry for the delay');
      expect(await row.locator('td.after').textContent()).toBe('Refunded in full, sorry again');
      expect(await view.locator('[data-testid="edits"] tr[data-path="metadata.arguments.tags"] td.after').textContent()).toBe('["vip","refund"]');
      await expect.poll(() => page.getByTestId('timeline').getByTestId('vote-answer').first().textContent()).toContain('amount 120');
      expect(await page.getByTestId('timeline').getByTestId('vote-answer').first().textContent()).toContain('metadata.note');
      expect(await fitsWidth(page)).toBe(true);
      await shot(page, `answers-approved-${viewport.name}`);
      await context.close();
    }, 90_000);
  }

  it('reject needs no answer: one press rejects, nothing answered', async () => {
    const seed = await harness.seedOrg(server.db, 'Answers reject');
    const reviewer = await memberWithPassword(server, seed, 'approver');
    const created = await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody(REFUND)).expect(201);
    const { context, page } = await signedInPage(browser, server.url, reviewer);
    await page.goto(`/requests/${created.body.id}`);
    await page.getByLabel('Refund amount').waitFor();
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('You rejected this request.').waitFor();
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200)).body).toMatchObject({ status: 'rejected', response: null, edits: [] });
    await context.close();
  }, 60_000);

  it('the decision link from the email shows the same form at a phone width, refuses a wrong answer at its field, approves a right one', async () => {
    const seed = await harness.seedOrg(server.db, 'Answers by mail');
    const alice = await seed.addUser('approver');
    const created = await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody(REFUND)).expect(201);
    const id = created.body.id as string;
    await smtp.until(() => smtp.to(alice.email).length === 1);
    const approve = linkIn(smtp.to(alice.email)[0]!.text, 'Approve');
    const context = await openContext(browser, server.url, VIEWPORTS[1]);
    const page = await context.newPage();
    await page.goto(approve);
    await page.getByRole('heading', { name: 'Approve this request?' }).waitFor();
    expect(await page.getByLabel('region').inputValue()).toBe('eu');
    expect(await page.getByLabel(/metadata\.note/).inputValue()).toBe('Sorry for the delay');
    expect(await fitsWidth(page)).toBe(true);
    await shot(page, 'answers-link-form-phone');
    // Left empty: the browser's own `required` would stop the press, so the form is sent as a script-free browser without that check would.
    await page.evaluate("document.querySelector('form').setAttribute('novalidate', '')");
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').waitFor();
    const amount = page.getByLabel(/Refund amount/);
    expect(await amount.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate<string | null | undefined>("document.activeElement?.getAttribute('name')")).toBe('answer.amount');
    expect(await page.getByLabel(/metadata\.note/).inputValue()).toBe('Sorry for the delay');
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status).toBe('pending');
    await shot(page, 'answers-link-refused-phone');
    await amount.fill('42');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'You approved this request' }).waitFor();
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'approved', response: { amount: 42, region: 'eu', expedite: false } });
    await context.close();
  }, 60_000);
});
