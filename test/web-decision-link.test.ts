/**
 * An emailed decision link in a real browser (Debian's Chromium via playwright-core), without a
 * session: the confirmation page shows the request and decides nothing until its button is pressed;
 * the button's POST (with the page's CSRF value and cookie) decides, and the page then says what was
 * done; a page of another origin cannot frame it. Screenshots at desktop and phone width.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, launchChromium, openContext, prepareDashboard, shot, VIEWPORTS } from './browser.ts';
import { harness, linkIn, mailConfig, startSmtpServer, type TestSmtpServer } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;
let smtp: TestSmtpServer;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  smtp = await startSmtpServer();
  // The links point at the configured public URL; the browser opens their paths on the test server,
  // over plain HTTP, as `pnpm start` serves them (the page's cookie is then `gl_decide`).
  const config = mailConfig(smtp);
  delete config.GREENLIGHT_PUBLIC_URL;
  [server, browser] = await Promise.all([harness.startTestServer({ config }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.close();
});

describe.skipIf(!browserTestsRun)('a decision link in Chromium', () => {
  for (const viewport of VIEWPORTS) {
    it(`opening the link decides nothing; pressing Approve does, once (${viewport.name})`, async () => {
      const seed = await harness.seedOrg(server.db, 'Link Org');
      const alice = await seed.addUser('approver');
      const created = await server
        .http(seed.key)
        .post('/api/v1/approvals')
        .send(harness.approvalBody({ title: 'Rotate the API keys', description: '**All** keys of `billing`', changes: { before: { keys: 3 }, after: { keys: 0 } } }))
        .expect(201);
      const id = created.body.id as string;
      await smtp.until(() => smtp.to(alice.email).length === 1);
      const approve = linkIn(smtp.to(alice.email)[0]!.text, 'Approve');

      const context = await openContext(browser, server.url, viewport);
      const page = await context.newPage();
      await page.goto(approve);
      await page.getByRole('heading', { name: 'Approve this request?' }).waitFor();
      await page.getByRole('heading', { name: 'Rotate the API keys' }).waitFor();
      // The description's markdown, rendered.
      expect(await page.locator('main strong', { hasText: 'All' }).count()).toBe(1);
      expect(await page.locator('main code', { hasText: 'billing' }).count()).toBe(1);
      expect((await context.cookies()).map((c) => c.name)).toEqual(['gl_decide']);
      // Opened, reloaded: still pending.
      await page.reload();
      await page.getByRole('heading', { name: 'Approve this request?' }).waitFor();
      expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status).toBe('pending');
      await shot(page, `decision-link-confirm-${viewport.name}`);

      await page.getByLabel('Comment (optional)').fill('Rotated with the team');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('heading', { name: 'You approved this request' }).waitFor();
      expect(await page.textContent('main')).toContain('cannot be used again');
      await shot(page, `decision-link-done-${viewport.name}`);
      expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({
        status: 'approved',
        decided_by: alice.id,
        decision_comment: 'Rotated with the team',
      });
      // Opened again: it says what was done, and offers nothing to press.
      await page.goto(approve);
      await page.getByRole('heading', { name: 'You approved this request' }).waitFor();
      expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      await context.close();
    }, 60_000);
  }

  it('a page of another origin cannot frame the confirmation page', async () => {
    const seed = await harness.seedOrg(server.db, 'Frame Org');
    const alice = await seed.addUser('approver');
    await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Framed?' })).expect(201);
    await smtp.until(() => smtp.to(alice.email).length === 1);
    const approve = linkIn(smtp.to(alice.email)[0]!.text, 'Approve');
    const context = await openContext(browser, server.url);
    const page = await context.newPage();
    // The framing page: another origin (localhost is not 127.0.0.1), served on loopback by the test.
    const framer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><iframe id="f" src="${server.url}${approve}" width="600" height="400"></iframe>`);
    });
    await new Promise<void>((r) => framer.listen(0, '127.0.0.1', () => r()));
    try {
      await page.goto(`http://localhost:${(framer.address() as AddressInfo).port}/frame`);
      await page.waitForTimeout(1000);
    } finally {
      framer.close();
    }
    const framed = page.frames().find((f) => f !== page.mainFrame());
    expect(framed).toBeDefined();
    // Refused, the frame holds the browser's error page (which a script of ours may not read).
    const text = framed ? await framed.evaluate<string>("document.body ? document.body.innerText : ''").catch(() => '') : '';
    expect(text).not.toContain('Approve this request?');
    await context.close();
  }, 60_000);
});
