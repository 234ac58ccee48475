/**
 * Telegram in the organization settings, in a real browser: an admin connects the bot (the token is
 * never shown again), a member links their account with a one-time code sent to the bot, sees it
 * linked, and unlinks it. The Bot API is the local stand-in (apps/server/src/testing/telegram.ts);
 * the bot's /start update is posted to the webhook with the secret Greenlight gave Telegram.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, launchChromium, prepareDashboard, shot, signedInPage } from './browser.ts';
import { harness, memberWithPassword, startTelegramApi, type TestTelegramApi } from '@greenlight/server/testing';

const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x';

let server: harness.TestServer;
let telegram: TestTelegramApi;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  telegram = await startTelegramApi();
  [server, browser] = await Promise.all([harness.startTestServer({ config: { GREENLIGHT_TELEGRAM_API_URL: telegram.url } }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await telegram?.close();
});

describe.skipIf(!browserTestsRun)('Telegram in the settings', () => {
  it('an admin connects the bot; a member links with a code sent to the bot, then unlinks', async () => {
    const seed = await harness.seedOrg(server.db, 'Telegram Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const { context, page } = await signedInPage(browser, server.url, admin);

    await page.goto('/settings');
    await expect.poll(() => page.getByTestId('telegram-configured').textContent()).toBe('not connected');
    await page.getByLabel('Token from @BotFather').fill(BOT_TOKEN);
    await page.getByRole('button', { name: 'Connect Telegram' }).click();
    await expect.poll(() => page.getByTestId('telegram-configured').textContent()).toBe('connected');
    expect(await page.getByTestId('telegram-bot').textContent()).toBe('@greenlight_test_bot');
    expect(await page.content()).not.toContain(BOT_TOKEN);
    const hook = telegram.of('setWebhook', (c) => String(c.args.url).includes(seed.org.id)).at(-1)!;
    const secret = String(hook.args.secret_token);

    // The admin's own card appears once the org has a bot (the page reads it again after connecting).
    await page.getByRole('button', { name: 'Create a link code' }).click();
    const command = (await page.getByTestId('telegram-code').textContent())!;
    expect(command).toMatch(/^\/start [A-Za-z0-9_-]{16,}$/);
    await shot(page, '70-telegram-link-code');

    // The member sends the code to the bot from Telegram: Telegram posts the update to the webhook.
    const update = {
      update_id: 1,
      message: { message_id: 1, date: Math.floor(Date.now() / 1000), from: { id: 4242, is_bot: false, first_name: 'A', username: 'ada_tg' }, chat: { id: 4242, type: 'private' }, text: command },
    };
    const res = await fetch(`${server.url}/channels/telegram/${seed.org.id}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': secret },
      body: JSON.stringify(update),
    });
    expect(res.status).toBe(200);
    await page.getByRole('button', { name: 'I sent it: check again' }).click();
    await expect.poll(() => page.getByTestId('telegram-linked').textContent()).toBe('@ada_tg');

    await page.getByRole('button', { name: 'Unlink Telegram' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
    await page.getByTestId('telegram-not-linked').waitFor();
    const { rows } = await server.db.query('SELECT 1 FROM telegram_links WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(0);

    await page.getByRole('button', { name: 'Disconnect Telegram' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByTestId('telegram-configured').textContent()).toBe('not connected');
    await context.close();
  });
});
