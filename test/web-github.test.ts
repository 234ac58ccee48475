/**
 * The GitHub App settings in a real browser: an admin sees the webhook URL to give the app, pastes its
 * id, private key and webhook secret; Greenlight checks them with GitHub (a local stand-in verifying the
 * app's JWT) and shows the app connected, never the secrets; then a signed protection-rule event makes a
 * request, and disconnecting refuses the next one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, launchChromium, prepareDashboard, shot, signedInPage } from './browser.ts';
import { githubSignature, harness, memberWithPassword, startGithubApi, type TestGithubApi } from '@greenlight/server/testing';

let server: harness.TestServer;
let github: TestGithubApi;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  github = await startGithubApi();
  [server, browser] = await Promise.all([harness.startTestServer({ config: { GREENLIGHT_GITHUB_API_URL: github.url } }), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await github?.close();
});

describe.skipIf(!browserTestsRun)('GitHub settings in the browser', () => {
  it('an admin connects the GitHub App from the settings; its events then make requests', async () => {
    const seed = await harness.seedOrg(server.db, 'GitHub Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const { context, page } = await signedInPage(browser, server.url, admin);
    await page.goto('/settings');
    const card = page.getByTestId('github-settings');
    await expect.poll(() => card.getByTestId('github-configured').textContent()).toBe('not connected');
    const webhookPath = `/integrations/github/${seed.org.id}/webhook`;
    expect(await card.getByTestId('github-webhook-url').textContent()).toContain(webhookPath);

    const secret = randomBytes(20).toString('hex');
    const form = page.getByRole('form', { name: 'GitHub App settings' });
    await form.getByLabel('App ID').fill(String(github.app.appId));
    await form.getByLabel('Private key (.pem)').fill(github.app.privateKey);
    await form.getByLabel('Webhook secret').fill(secret);
    await form.getByRole('button', { name: 'Connect the GitHub App' }).click();
    await expect.poll(() => card.getByTestId('github-configured').textContent()).toBe('connected');
    expect(await card.getByTestId('github-app').textContent()).toBe(github.app.slug);
    expect(await card.getByTestId('github-install').getAttribute('href')).toBe(`https://github.com/apps/${github.app.slug}/installations/new`);
    await expect.poll(() => form.getByLabel('Webhook secret').inputValue()).toBe('');
    const html = await page.content();
    expect(html).not.toContain(secret);
    expect(html).not.toContain('PRIVATE KEY-----\nMII');
    await shot(page, '60-github-settings');

    const runId = 5_000_001;
    const body = JSON.stringify({
      action: 'requested',
      environment: 'production',
      event: 'push',
      deployment_callback_url: `${github.url}/repos/acme/shop/actions/runs/${runId}/deployment_protection_rule`,
      deployment: { id: 1, sha: 'abc', ref: 'main' },
      repository: { full_name: 'acme/shop' },
      installation: { id: 9 },
      sender: { login: 'octocat' },
    });
    const post = () =>
      fetch(`${server.url}${webhookPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-GitHub-Event': 'deployment_protection_rule', 'X-GitHub-Delivery': randomUUID(), 'X-Hub-Signature-256': githubSignature(secret, body) },
        body,
      });
    const created = await post();
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ handled: 'created' });

    await card.getByRole('button', { name: 'Disconnect GitHub' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => card.getByTestId('github-configured').textContent()).toBe('not connected');
    expect((await post()).status).toBe(401);
    await context.close();
  });
});
