/**
 * API keys' expiry and rotation on the Connections page, in a real browser: an admin creates a key
 * that expires in 30 days and sees when, rotates it, is shown the new key once, and the old key stops
 * at the end of the overlap chosen (at once, here) while the new one works. An OAuth client's secret
 * rotates the same way, the new secret shown once and the previous one working for the overlap.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard } from './browser.ts';
import { harness, memberWithPassword, registerClient } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('expiring keys on the Connections page', () => {
  it('an admin creates a key that expires, sees its expiry, and rotates it', async () => {
    const seed = await harness.seedOrg(server.db, 'Keys Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const { context, page } = await signedInPage(browser, server.url, admin);

    await page.goto('/connections');
    await page.getByLabel('Name').fill('deploys');
    await page.getByLabel('Expires').selectOption({ label: 'in 30 days' });
    await page.getByRole('button', { name: 'Create key' }).click();
    const oldKey = (await page.getByTestId('new-api-key').textContent())!;
    const me = await server.http(oldKey).get('/api/v1/me').expect(200);
    const lifetime = Date.parse(me.body.connection.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(29.9 * 86_400_000);
    expect(lifetime).toBeLessThanOrEqual(30 * 86_400_000);
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator(`tr[data-id="${me.body.connection.id}"]`);
    await expect.poll(() => row.getByTestId('expires').textContent()).toMatch(/30 days|in a month|in 1 month/);

    await page.getByRole('button', { name: 'Rotate deploys' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('The old key stops').selectOption({ label: 'at once' });
    await shot(page, '40-rotate-key');
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    const newKey = (await page.getByTestId('new-api-key').textContent())!;
    expect(newKey).toMatch(/^gk_/);
    expect(newKey).not.toBe(oldKey);
    await expect.poll(() => row.getByTestId('expires').textContent()).toContain('expired');
    await shot(page, '41-rotated-key');

    const refused = await server.http(oldKey).get('/api/v1/me').expect(401);
    expect(refused.body.error.details.reason).toBe('api_key_expired');
    const fresh = await server.http(newKey).get('/api/v1/me').expect(200);
    expect(fresh.body.connection).toMatchObject({ name: 'deploys' });
    await context.close();
  });
});

describe.skipIf(!browserTestsRun)('OAuth clients on the Connections page', () => {
  it("an admin rotates a client's secret, is shown the new one once, and the previous one works for the overlap", async () => {
    const seed = await harness.seedOrg(server.db, 'Clients Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const app = await registerClient(server, seed, { name: 'Zapier' });
    const { context, page } = await signedInPage(browser, server.url, admin);
    const authenticates = async (secret: string) =>
      (await server.http().post('/oauth/revoke').auth(app.clientId, secret).type('form').send({ token: 'not-a-token' })).status === 200;

    await page.goto('/connections');
    const row = page.locator(`tr[data-id="${app.id}"]`);
    await expect.poll(() => row.getByTestId('previous-secret').textContent()).toBe('—');
    await page.getByRole('button', { name: 'Rotate secret Zapier' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('The previous secret stops').selectOption({ label: 'for 1 hour' });
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    const secret = (await page.getByTestId('new-client-secret').textContent())!;
    expect(secret).toMatch(/^glcs_/);
    await expect.poll(() => row.getByTestId('previous-secret').textContent()).toContain('works until');
    await shot(page, '42-rotated-client-secret');
    expect(await authenticates(secret)).toBe(true);
    expect(await authenticates(app.clientSecret)).toBe(true);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByTestId('new-client-secret').count()).toBe(0);
    await context.close();
  });
});
