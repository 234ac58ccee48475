/**
 * Discord in the organization settings, in a real browser: an admin connects the application (the
 * token and public key are never shown again), a member links their account with a one-time code given
 * to the app's /link command, sees it linked, and unlinks it. Discord's API is the local stand-in
 * (apps/server/src/testing/discord.ts); the /link interaction is signed with the test's Ed25519 key, as
 * Discord signs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, launchChromium, prepareDashboard, shot, signedInPage } from './browser.ts';
import { DISCORD_APP_ID, DISCORD_BOT_TOKEN, discordSignature, harness, memberWithPassword, newDiscordKeys, startDiscordApi, type TestDiscordApi } from '@greenlight/server/testing';

let server: harness.TestServer;
let discord: TestDiscordApi;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  discord = await startDiscordApi();
  [server, browser] = await Promise.all([harness.startTestServer({ config: { GREENLIGHT_DISCORD_API_URL: discord.url } }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await discord?.close();
});

describe.skipIf(!browserTestsRun)('Discord in the settings', () => {
  it('an admin connects the application; a member links with a code given to /link, then unlinks', async () => {
    const seed = await harness.seedOrg(server.db, 'Discord Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const keys = newDiscordKeys();
    const { context, page } = await signedInPage(browser, server.url, admin);

    await page.goto('/settings');
    await expect.poll(() => page.getByTestId('discord-configured').textContent()).toBe('not connected');
    await page.getByLabel('Application ID').fill(DISCORD_APP_ID);
    await page.getByLabel('Public key').fill(keys.publicKeyHex);
    await page.getByLabel('Discord bot token').fill(DISCORD_BOT_TOKEN);
    await page.getByLabel('Channel ID (optional)').fill('400000000000000009');
    await page.getByRole('button', { name: 'Connect Discord' }).click();
    await expect.poll(() => page.getByTestId('discord-configured').textContent()).toBe('connected');
    expect(await page.getByTestId('discord-bot').textContent()).toBe('greenlight_test_bot');
    expect(await page.getByTestId('discord-channel').textContent()).toBe('400000000000000009');
    const url = (await page.getByTestId('discord-interactions-url').textContent())!;
    expect(url).toBe(`${server.deps.config.publicUrl}/channels/discord/${seed.org.id}/interactions`);
    const html = await page.content();
    expect(html).not.toContain(DISCORD_BOT_TOKEN);
    expect(html).not.toContain(keys.publicKeyHex);

    // The admin's own card appears once the org has an application.
    await page.getByRole('button', { name: 'Create a link code' }).click();
    const command = (await page.getByTestId('discord-code').textContent())!;
    const code = /^\/link code:([A-Za-z0-9_-]{16,})$/.exec(command)?.[1];
    expect(code).toBeDefined();
    await shot(page, '71-discord-link-code');

    // The member runs /link in Discord: Discord posts the signed interaction.
    const body = JSON.stringify({
      id: '900000000000000001',
      application_id: DISCORD_APP_ID,
      type: 2,
      token: 'itok_web',
      member: { user: { id: '900000000000000002', username: 'ada_dc' } },
      data: { name: 'link', options: [{ name: 'code', type: 3, value: code }] },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${server.url}/channels/discord/${seed.org.id}/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Signature-Ed25519': discordSignature(keys, timestamp, body), 'X-Signature-Timestamp': timestamp },
      body,
    });
    expect(res.status).toBe(200);
    await page.getByRole('button', { name: 'I ran it: check again' }).click();
    await expect.poll(() => page.getByTestId('discord-linked').textContent()).toBe('ada_dc');

    await page.getByRole('button', { name: 'Unlink Discord' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
    await page.getByTestId('discord-not-linked').waitFor();
    const { rows } = await server.db.query('SELECT 1 FROM discord_links WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(0);

    await page.getByRole('button', { name: 'Disconnect Discord' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByTestId('discord-configured').textContent()).toBe('not connected');
    await context.close();
  });
});
