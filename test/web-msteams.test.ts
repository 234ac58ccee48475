/**
 * Microsoft Teams in the organization settings, in a real browser: an admin connects the bot with its
 * app id and client secret (the secret is never shown again) and reads the messaging endpoint; a member
 * links their account with a one-time code sent to the bot, sees it linked, and unlinks it. Microsoft's
 * side is the local stand-in (apps/server/src/testing/msteams.ts); the `link <code>` message is posted
 * to the endpoint with a Bot Connector token signed by the stand-in's published key.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, launchChromium, prepareDashboard, shot, signedInPage } from './browser.ts';
import { harness, memberWithPassword, startMsTeams, type TestMsTeams } from '@greenlight/server/testing';

let server: harness.TestServer;
let teams: TestMsTeams;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  teams = await startMsTeams();
  [server, browser] = await Promise.all([
    harness.startTestServer({ config: { GREENLIGHT_MSTEAMS_OPENID_URL: teams.openIdUrl, GREENLIGHT_MSTEAMS_TOKEN_URL: teams.tokenUrl, GREENLIGHT_MSTEAMS_API_URL: teams.serviceUrl } }),
    launchChromium(),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await teams?.close();
});

describe.skipIf(!browserTestsRun)('Microsoft Teams in the settings', () => {
  it('an admin connects the bot; a member links with a code sent to the bot, then unlinks', async () => {
    const seed = await harness.seedOrg(server.db, 'Teams Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const { context, page } = await signedInPage(browser, server.url, admin);
    const appId = randomUUID();
    const secret = `secret~${randomUUID()}`;
    teams.addApp(appId, secret);

    await page.goto('/settings');
    await expect.poll(() => page.getByTestId('msteams-configured').textContent()).toBe('not connected');
    await page.getByLabel('Microsoft App ID').fill(appId);
    await page.getByLabel('Client secret of the bot').fill(secret);
    await page.getByRole('button', { name: 'Connect Microsoft Teams' }).click();
    await expect.poll(() => page.getByTestId('msteams-configured').textContent()).toBe('connected');
    expect(await page.getByTestId('msteams-app').textContent()).toBe(appId);
    const endpoint = `${server.url}/channels/msteams/${seed.org.id}/messages`;
    expect(await page.getByTestId('msteams-endpoint').textContent()).toContain(`/channels/msteams/${seed.org.id}/messages`);
    expect(await page.content()).not.toContain(secret);

    // The admin's own card appears once the org has a bot (the page reads it again after connecting).
    await page.getByRole('button', { name: 'Create a link code' }).click();
    const command = (await page.getByTestId('msteams-code').textContent())!;
    expect(command).toMatch(/^link [A-Za-z0-9_-]{16,}$/);
    await shot(page, '71-msteams-link-code');

    // The member sends the code to the bot in a personal chat: the Bot Connector posts it, signed.
    const activity = {
      type: 'message',
      id: 'act-1',
      channelId: 'msteams',
      serviceUrl: teams.serviceUrl,
      from: { id: '29:ada', name: 'Ada Lovelace', aadObjectId: randomUUID() },
      conversation: { id: 'a:ada-personal', conversationType: 'personal' },
      text: command,
    };
    const token = await teams.sign({ aud: appId, serviceurl: teams.serviceUrl });
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(activity) });
    expect(res.status).toBe(200);
    await page.getByRole('button', { name: 'I sent it: check again' }).click();
    await expect.poll(() => page.getByTestId('msteams-linked').textContent()).toBe('Ada Lovelace');

    await page.getByRole('button', { name: 'Unlink Microsoft Teams' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
    await page.getByTestId('msteams-not-linked').waitFor();
    const { rows } = await server.db.query('SELECT 1 FROM msteams_links WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(0);

    await page.getByRole('button', { name: 'Disconnect Microsoft Teams' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByTestId('msteams-configured').textContent()).toBe('not connected');
    await context.close();
  });
});
