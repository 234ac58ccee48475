/**
 * The durable-engine credentials in a real browser: an admin sets the Trigger.dev key and the AWS
 * credentials from the settings, sees each engine set and never a secret, and removes one; a request may
 * then name only the engines still set.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, launchChromium, prepareDashboard, shot, signedInPage } from './browser.ts';
import { harness, memberWithPassword } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  [server, browser] = await Promise.all([harness.startTestServer(), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe.skipIf(!browserTestsRun)('durable-engine settings in the browser', () => {
  it('an admin sets and removes engine credentials; the secrets are never shown', async () => {
    const seed = await harness.seedOrg(server.db, 'Engines Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const { context, page } = await signedInPage(browser, server.url, admin);
    await page.goto('/settings');
    const card = page.getByTestId('engine-settings');
    await expect.poll(() => card.getByTestId('engine-trigger-dev').textContent()).toBe('not set');

    const triggerKey = `tr_prod_${randomBytes(12).toString('hex')}`;
    await card.getByLabel('Secret API key').fill(triggerKey);
    await card.getByRole('button', { name: 'Save the Trigger.dev key' }).click();
    await expect.poll(() => card.getByTestId('engine-trigger-dev').textContent()).toBe('set');

    const awsSecret = randomBytes(30).toString('hex');
    await card.getByLabel('Region').fill('eu-west-1');
    await card.getByLabel('Access key id').fill('AKIAABCDEFGHIJKLMNOP');
    await card.getByLabel('Secret access key').fill(awsSecret);
    await card.getByRole('button', { name: 'Save the AWS credentials' }).click();
    await expect.poll(() => card.getByTestId('engine-step-functions').textContent()).toBe('set');
    await expect.poll(() => card.getByLabel('Secret access key').inputValue()).toBe('');
    const html = await page.content();
    expect(html).not.toContain(triggerKey);
    expect(html).not.toContain(awsSecret);
    await shot(page, '62-engine-settings');

    const ask = (resume: unknown) =>
      server.http(seed.key).post('/api/v1/approvals').send({ title: 'Refund', description: 'x', priority: 'low', resume });
    expect((await ask({ engine: 'trigger.dev', token: 'waitpoint_abc123' })).status).toBe(201);

    await card.getByRole('button', { name: 'Remove Trigger.dev' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => card.getByTestId('engine-trigger-dev').textContent()).toBe('not set');
    expect((await ask({ engine: 'trigger.dev', token: 'waitpoint_abc124' })).status).toBe(400);
    expect(await card.getByTestId('engine-step-functions').textContent()).toBe('set');
    await context.close();
  });
});
