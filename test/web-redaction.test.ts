/**
 * Sensitive fields on the dashboard's request page, in a real browser (Debian's Chromium driven by
 * playwright-core): a reviewer without see_sensitive sees "[redacted]" and a note saying why, never
 * the value; once an admin grants see_sensitive, the same page shows it. At desktop and phone width.
 * The request's callback address likewise: a reviewer sees that one is set, an admin where it goes.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword, signedIn } from '@greenlight/server/testing';


let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

const SSN = '123-45-6789';
const CARD = '4111111111111111';

describe.skipIf(!browserTestsRun)('sensitive fields on the request page', () => {
  for (const viewport of VIEWPORTS) it(`masked for a reviewer without see_sensitive, shown once an admin grants it (${viewport.name})`, async () => {
    const seed = await harness.seedOrg(server.db, 'Redaction Org');
    const created = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(
        harness.approvalBody({
          title: 'Refund order 5521',
          metadata: { customer: 'Jane Roe', ssn: SSN },
          changes: { before: { card: null }, after: { card: CARD } },
          redact: ['metadata.ssn', 'changes.after.card'],
        }),
      )
      .expect(201);
    const reviewer = await memberWithPassword(server, seed, 'approver');
    const { context, page } = await signedInPage(browser, server.url, reviewer, viewport);

    await page.goto(`/requests/${created.body.id}`);
    await page.getByRole('heading', { name: 'Refund order 5521' }).waitFor();
    const note = page.getByTestId('sensitive-note');
    await expect.poll(() => note.textContent()).toContain('metadata.ssn, changes.after.card');
    expect(await note.textContent()).toContain('you don’t have the permission');
    const html = await page.content();
    expect(html).toContain('[redacted]');
    expect(html).toContain('Jane Roe');
    expect(html).not.toContain(SSN);
    expect(html).not.toContain(CARD);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width);
    await shot(page, `22-redacted-request-${viewport.name}`);

    const admin = await signedIn(server, seed);
    await admin.http().patch(`/api/v1/members/${reviewer.id}`).send({ see_sensitive: true }).expect(200);
    await page.reload();
    await expect.poll(() => note.textContent()).toContain('you see them because you may');
    const granted = await page.content();
    expect(granted).toContain(SSN);
    expect(granted).toContain(CARD);
    await context.close();
  }, 60_000);

  it('the callback address: a reviewer (even one who sees sensitive fields) sees that one is set, not where; an admin sees it', async () => {
    const seed = await harness.seedOrg(server.db, 'Callback Org');
    const callback = 'https://n8n.example.com/webhook-waiting/4242/node-1?signature=capability';
    const created = await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Rotate the keys', callback_url: callback })).expect(201);
    const admin = await signedIn(server, seed);
    const reviewer = await memberWithPassword(server, seed, 'approver');
    await admin.http().patch(`/api/v1/members/${reviewer.id}`).send({ see_sensitive: true }).expect(200);
    const { context, page } = await signedInPage(browser, server.url, reviewer);
    await page.goto(`/requests/${created.body.id}`);
    await page.getByRole('heading', { name: 'Rotate the keys' }).waitFor();
    await expect.poll(() => page.content()).toContain('its address is shown to the requester and admins only');
    expect(await page.content()).not.toContain('webhook-waiting');
    await context.close();

    const adminUser = await memberWithPassword(server, seed, 'admin');
    const asAdmin = await signedInPage(browser, server.url, adminUser);
    await asAdmin.page.goto(`/requests/${created.body.id}`);
    await asAdmin.page.getByRole('heading', { name: 'Rotate the keys' }).waitFor();
    await expect.poll(() => asAdmin.page.content()).toContain('webhook-waiting/4242/node-1');
    await asAdmin.context.close();
  }, 60_000);
});
