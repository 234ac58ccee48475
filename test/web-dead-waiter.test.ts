/**
 * Dead-waiter detection in a real browser: the inbox row of a pending request whose callback target
 * answered 410 to the probe says "Nobody waiting"; its page says "Nobody is waiting for this answer"
 * with why and since when, and an admin cancels it with the one button the banner holds. At a
 * laptop's and a phone's width.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword, startReceiver, type TestReceiver } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]), {
  config: {
    GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
    GREENLIGHT_WAITER_PROBE_AFTER_MS: '100',
    GREENLIGHT_WAITER_PROBE_MAX_MS: '500',
    GREENLIGHT_WAITER_POLL_MS: '50',
  },
});

async function goneRequest(seed: harness.SeededOrg, target: TestReceiver, title: string): Promise<string> {
  const id = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title, callback_url: `${target.url}/resume/1` })).expect(201)).body.id as string;
  await expect
    .poll(async () => (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.waiter?.state, { timeout: 15_000 })
    .toBe('gone');
  return id;
}

describe.skipIf(!browserTestsRun)('a request nobody waits for', () => {
  for (const viewport of VIEWPORTS) {
    it(`is flagged in the inbox and on its page, and cancelled in one click (${viewport.name})`, async () => {
      const target = await startReceiver(() => ({ status: 410 }));
      try {
        const seed = await harness.seedOrg(server.db, `Dead waiter ${viewport.name}`);
        const title = `Resize the ${viewport.name} cluster`;
        const id = await goneRequest(seed, target, title);
        const admin = await memberWithPassword(server, seed, 'admin');
        const { context, page } = await signedInPage(browser, server.url, admin, viewport);

        const row = page.locator(`li[data-id="${id}"]`);
        await page.getByTestId('inbox-tabs').getByRole('link', { name: 'Everything' }).click();
        await expect.poll(() => row.getByTestId('waiter-gone-badge').textContent()).toBe('Nobody waiting');
        await shot(page, `40-dead-waiter-inbox-${viewport.name}`);

        await row.getByRole('link', { name: title }).click();
        const banner = page.getByTestId('waiter-gone');
        await expect.poll(() => banner.textContent()).toContain('Nobody is waiting for this answer.');
        const text = (await banner.textContent())!;
        expect(text).toContain('The callback target answered 410 Gone');
        expect(text).toMatch(/ — since \w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2}/);
        await shot(page, `41-dead-waiter-banner-${viewport.name}`);

        await banner.getByRole('button', { name: 'Cancel this request' }).click();
        await expect.poll(() => banner.textContent()).toContain('Nobody was waiting for this answer.');
        await expect.poll(async () => banner.getByRole('button', { name: 'Cancel this request' }).count()).toBe(0);
        await expect.poll(() => page.getByTestId('timeline').textContent()).toContain('cancelled');
        await shot(page, `42-dead-waiter-cancelled-${viewport.name}`);

        const got = await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);
        expect(got.body).toMatchObject({ status: 'cancelled', waiter: { state: 'gone' } });
        const events = (await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string; actor: { id: string } }[];
        expect(events.at(-1)).toMatchObject({ type: 'approval.cancelled', actor: { id: admin.id } });
        await context.close();
      } finally {
        await target.close();
      }
    });
  }
});
