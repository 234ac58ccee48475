/**
 * The Notifications page in a real browser (Debian's Chromium via playwright-core) against a real
 * server serving apps/web's build: a member chooses the daily digest only, quiet hours and a time
 * zone; an admin sets the org defaults (channel, quiet hours) and the default reminder policy, which a
 * member who chose nothing then sees as theirs. What the page saved is read back from the database. Screenshots at desktop and phone width in test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword, signedIn } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('the Notifications page in Chromium', () => {
  for (const viewport of VIEWPORTS) {
    it(`a member picks digest only and quiet hours; an admin sets the defaults and reminders (${viewport.name})`, async () => {
      const seed = await harness.seedOrg(server.db, 'Notify Org');
      const admin = await memberWithPassword(server, seed, 'admin');
      const oncall = (await (await signedIn(server, seed)).http().post('/api/v1/teams').send({ name: 'Oncall' }).expect(201)).body;
      const { context, page } = await signedInPage(browser, server.url, admin, viewport);

      await page.goto('/notifications');
      await page.getByRole('heading', { name: 'Notifications', exact: true }).waitFor();
      const mine = page.getByTestId('my-preferences');
      await mine.getByTestId('preferences-source').filter({ hasText: 'You follow the organization defaults.' }).waitFor();
      await mine.getByLabel(/Daily digest only/).check();
      await mine.getByLabel('Time zone', { exact: true }).fill('Europe/Berlin');
      await mine.getByLabel(/Hold messages during quiet hours/).check();
      await mine.getByLabel('From', { exact: true }).fill('21:00');
      await mine.getByLabel('to', { exact: true }).fill('06:30');
      await mine.getByLabel('At', { exact: true }).selectOption('8');
      // Reminders only by Telegram, and no receipts at all, whatever the channel above says.
      const reminders = mine.getByRole('group', { name: 'Reminders' });
      await reminders.getByRole('checkbox').first().check();
      await reminders.getByLabel('Telegram', { exact: true }).check();
      await mine.getByRole('group', { name: /^Receipts/ }).getByRole('checkbox').first().check();
      await mine.getByRole('button', { name: 'Save my preferences' }).click();
      await mine.getByTestId('preferences-source').filter({ hasText: 'Your own choices.' }).waitFor();

      const defaults = page.getByTestId('org-defaults');
      // The org's channel default: Slack only, with quiet hours, for members who chose nothing.
      await defaults.getByLabel(/^Slack — /).check();
      await defaults.getByLabel(/Hold messages during quiet hours/).check();
      await defaults.getByRole('button', { name: 'Save defaults' }).click();
      await defaults.getByRole('status').filter({ hasText: 'Saved.' }).first().waitFor();
      await defaults.getByLabel('Remind after', { exact: true }).fill('4h');
      await defaults.getByLabel('then every', { exact: true }).fill('1d');
      await defaults.getByLabel('at most', { exact: true }).fill('3');
      await defaults.getByLabel('Escalate after', { exact: true }).fill('2d');
      // The defaults card holds two forms, each with its own "Saved.": this one's.
      const policyForm = defaults.locator('form').filter({ has: page.getByRole('button', { name: 'Save reminder policy' }) });
      await policyForm.getByRole('button', { name: 'Save reminder policy' }).click();
      await policyForm.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await shot(page, `notifications-${viewport.name}`);

      // What the page saved, read back as the API has it.
      const { rows } = await server.db.query<{ preferences: unknown }>('SELECT preferences FROM notification_preferences WHERE org_id = $1 AND user_id = $2', [
        seed.org.id,
        admin.id,
      ]);
      expect(rows[0]!.preferences).toEqual({
        channels: 'digest_only',
        by_kind: { reminder: ['telegram'], execution_receipt: [] },
        time_zone: 'Europe/Berlin',
        quiet_hours: { start: '21:00', end: '06:30' },
        digest_hour: 8,
      });
      const { rows: org } = await server.db.query<{ reminder_policy: unknown; notification_defaults: unknown }>(
        'SELECT reminder_policy, notification_defaults FROM orgs WHERE id = $1',
        [seed.org.id],
      );
      expect(org[0]!.reminder_policy).toEqual({ remind: { after: '4h', every: '1d', max: 3 }, escalate: { after: '2d', to: 'next_level' } });
      expect(org[0]!.notification_defaults).toEqual({ channels: 'slack', by_kind: {}, time_zone: 'UTC', quiet_hours: { start: '22:00', end: '07:00' }, digest_hour: null });
      // A member who chose nothing is shown the defaults as what applies to them.
      const member = await memberWithPassword(server, seed, 'approver');
      const asMember = await signedInPage(browser, server.url, member, viewport);
      await asMember.page.goto('/notifications');
      const theirs = asMember.page.getByTestId('my-preferences');
      await theirs.getByTestId('preferences-source').filter({ hasText: 'You follow the organization defaults.' }).waitFor();
      expect(await theirs.getByLabel(/^Slack — /).isChecked()).toBe(true);
      expect(await asMember.page.getByTestId('org-defaults').count()).toBe(0);
      await asMember.context.close();

      // Escalation may ask a team, as any step may; the page shows it again after a reload rather than losing it.
      await defaults.getByRole('combobox', { name: 'to', exact: true }).selectOption({ label: 'team Oncall' });
      await defaults.getByRole('button', { name: 'Save reminder policy' }).click();
      await expect
        .poll(async () => (await server.db.query<{ reminder_policy: { escalate: unknown } }>('SELECT reminder_policy FROM orgs WHERE id = $1', [seed.org.id])).rows[0]!.reminder_policy.escalate)
        .toEqual({ after: '2d', to: { team_id: oncall.id } });
      await page.reload();
      const select = page.getByTestId('org-defaults').getByRole('combobox', { name: 'to', exact: true });
      await expect.poll(() => select.inputValue()).toBe(`team:${oncall.id}`);
      expect(await select.locator(`option[value="team:${oncall.id}"]`).textContent()).toBe('team Oncall');

      // A bad time zone is refused with the reason on the page, and nothing changes.
      await mine.getByLabel('Time zone', { exact: true }).fill('Mars/Olympus');
      await mine.getByRole('button', { name: 'Save my preferences' }).click();
      await mine.getByRole('alert').waitFor();
      expect(await mine.getByRole('alert').textContent()).toContain('time zone');
      await shot(page, `notifications-error-${viewport.name}`);
      await context.close();
    }, 60_000);
  }
});
