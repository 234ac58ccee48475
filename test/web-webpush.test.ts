/**
 * The dashboard as an installable app with push, in a real Chromium: the page links its manifest and
 * registers the service worker; a person's device (the push service stand-in, apps/server/src/testing/
 * push-service.ts: Chromium headless has no push service of its own, so `pushManager.subscribe` cannot
 * succeed here) is listed and removable on the Notifications page; the message Greenlight pushes for a
 * request (decrypted by the stand-in) is shown by the worker with Approve / Reject, and the worker's
 * action handler — the function its notificationclick listener calls — POSTs the decision: the request
 * is approved once, with `webpush` as the vote's source; a tap without an action goes for the request page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Worker } from 'playwright-core';
import { browserTestsRun, launchChromium, prepareDashboard, shot, signedInPage } from './browser.ts';
import { harness, memberWithPassword, startPushService, type TestPushService } from '@greenlight/server/testing';

let server: harness.TestServer;
let push: TestPushService;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  push = await startPushService();
  [server, browser] = await Promise.all([harness.startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' } }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await push?.close();
});

// The browser globals the code run in the page and in the worker uses (this package compiles without the DOM library).
interface ShownNotification {
  title: string;
  actions: { action: string }[];
}
declare const navigator: { serviceWorker: { ready: Promise<{ scope: string }> } };
declare const document: { querySelector(selector: string): { content: string } | null };
declare const self: {
  greenlight: { showPushed(d: { json(): unknown }): Promise<void>; handleClick(d: unknown, action: string): Promise<Record<string, unknown>> };
  registration: { getNotifications(filter: { tag: string }): Promise<ShownNotification[]> };
};

describe.skipIf(!browserTestsRun)('Web Push in the dashboard', () => {
  it('installable: a manifest with name, icons, start_url and display standalone; the service worker registers', async () => {
    const seed = await harness.seedOrg(server.db, 'Push Org');
    const alice = await memberWithPassword(server, seed, 'approver');
    const { context, page } = await signedInPage(browser, server.url, alice);
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    const manifest = (await (await page.request.get(href!)).json()) as { name: string; start_url: string; display: string; icons: { src: string; sizes: string }[] };
    expect(manifest).toMatchObject({ name: 'Greenlight', start_url: '/', display: 'standalone' });
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons) expect((await page.request.get(icon.src)).headers()['content-type']).toBe('image/png');
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    expect(scope).toBe(`${server.url}/`);
    await context.close();
  });

  it("a device is listed and removable; the worker shows the pushed request and its Approve action POSTs the decision once", async () => {
    const seed = await harness.seedOrg(server.db, 'Push Org');
    const alice = await memberWithPassword(server, seed, 'approver');
    const { context, page } = await signedInPage(browser, server.url, alice);
    await context.grantPermissions(['notifications'], { origin: server.url });
    await page.goto('/notifications');
    await page.getByTestId('webpush-none').waitFor();

    // The subscription the browser would give, made by the stand-in, posted as the dashboard posts it.
    const { public_key } = await page.evaluate(async () => (await fetch('/api/v1/me/webpush')).json() as Promise<{ public_key: string }>);
    const device = push.device(public_key);
    const status = await page.evaluate(async (sub) => {
      const csrf = document.querySelector('meta[name="csrf-token"]')!.content;
      const res = await fetch('/api/v1/me/webpush/subscriptions', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ ...sub, device: 'Chrome on Android' }) });
      return res.status;
    }, device.subscription);
    expect(status).toBe(201);
    await page.reload();
    await expect.poll(() => page.getByTestId('webpush-device').count()).toBe(1);
    expect(await page.getByTestId('webpush-device').textContent()).toContain('Chrome on Android');
    await shot(page, '75-webpush-devices');

    const created = await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Deploy to production' })).expect(201);
    const id = (created.body as { id: string }).id;
    await push.until(() => push.received(device.id).some((p) => p.approval_id === id));
    const payload = push.received(device.id).find((p) => p.approval_id === id)!;

    const sw: Worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    const shown = await sw.evaluate(async (p) => {
      await self.greenlight.showPushed({ json: () => p });
      const list = await self.registration.getNotifications({ tag: (p as { tag: string }).tag });
      return list.map((n) => ({ title: n.title, actions: n.actions.map((a) => a.action) }));
    }, payload);
    expect(shown).toEqual([{ title: 'Deploy to production', actions: ['approve', 'reject'] }]);

    const first = await sw.evaluate((p) => self.greenlight.handleClick(p, 'approve'), payload);
    expect(first).toMatchObject({ ok: true, status: 'approved', message: 'Approved.' });
    const { rows } = await server.db.query<{ source: string; voter_id: string }>('SELECT source, voter_id FROM approval_votes WHERE approval_id = $1', [id]);
    expect(rows).toEqual([{ source: 'webpush', voter_id: alice.id }]);
    const second = await sw.evaluate((p) => self.greenlight.handleClick(p, 'reject'), payload);
    expect(second).toMatchObject({ ok: false, message: expect.stringMatching(/nothing was decided/) });
    expect((await server.db.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1', [id])).rows[0]!.status).toBe('approved');

    // A tap on the notification itself (and every platform without actions) goes for the request's page,
    // deciding nothing. (Chromium lets a worker open a window only during a real click on its notification.)
    const tap = await sw.evaluate((p) => self.greenlight.handleClick(p, ''), payload);
    expect(tap).toMatchObject({ ok: false, opened: { url: `${server.url}/requests/${id}` } });

    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByTestId('webpush-none').waitFor();
    expect((await server.db.query('SELECT 1 FROM webpush_subscriptions WHERE user_id = $1', [alice.id])).rows).toHaveLength(0);
    await context.close();
  });
});
