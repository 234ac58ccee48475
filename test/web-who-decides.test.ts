/**
 * Who may decide, in a real browser (Debian's Chromium via playwright-core) against a real server
 * serving apps/web's build: an admin sets `resolve_policy` and the admin override on the Organization
 * page; a two-step run reads "0 of 2 steps", then "1 of 2 steps" while still pending; the admin decides
 * step 2 through the override; the request's trail and the audit log page say so, by name, never by
 * id. Screenshots at desktop and phone width in test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword, signedIn } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

const orgRules = async (orgId: string) =>
  (await server.db.query<{ admin_override: boolean; resolve_policy: string }>('SELECT admin_override, resolve_policy FROM orgs WHERE id = $1', [orgId])).rows[0]!;

describe.skipIf(!browserTestsRun)('who may decide, the counters of a run and the audit log in Chromium', () => {
  for (const viewport of VIEWPORTS) {
    it(`an admin sets who decides, overrides a step, and reads it all by name (${viewport.name})`, async () => {
      const seed = await harness.seedOrg(server.db, 'Who Decides Org');
      const admin = await memberWithPassword(server, seed, 'admin');
      const [ann, ben, manager] = [await signedIn(server, seed, 'approver'), await signedIn(server, seed, 'approver'), await signedIn(server, seed, 'approver')];
      const seededAdmin = await signedIn(server, seed);
      const team = (await seededAdmin.http().post('/api/v1/teams').send({ name: 'SRE', member_ids: [ann.user.id, ben.user.id] }).expect(201)).body;
      const flow = (
        await seededAdmin
          .http()
          .post('/api/v1/flows')
          .send({ name: 'Production deploy', steps: [{ name: 'SRE', approvers: { team_ids: [team.id] }, quorum: 2 }, { name: 'Management', approvers: { user_ids: [manager.user.id] } }] })
          .expect(201)
      ).body;

      const { context, page } = await signedInPage(browser, server.url, admin, viewport);

      // The Organization page: only admins resolve, then back; the admin override on. Each change is saved at once.
      await page.goto('/settings');
      const who = page.getByTestId('who-decides');
      await who.getByLabel('Only admins').check();
      await who.getByText('Saved.').waitFor();
      expect(await orgRules(seed.org.id)).toEqual({ admin_override: false, resolve_policy: 'admin_only' });
      await who.getByLabel('The people each request asks').check();
      await expect.poll(async () => (await orgRules(seed.org.id)).resolve_policy).toBe('approvers');
      await who.getByLabel(/Admins \(and API keys\) may decide/).check();
      await expect.poll(async () => (await orgRules(seed.org.id)).admin_override).toBe(true);
      await page.reload();
      expect(await who.getByLabel(/Admins \(and API keys\) may decide/).isChecked()).toBe(true);
      expect(await who.getByLabel('The people each request asks').isChecked()).toBe(true);
      // Measured once every card of the page has loaded (members, sessions, Slack…), not mid-way.
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width);
      await shot(page, `who-decides-${viewport.name}`);

      // A run of two steps counts steps: none of two, then one of two while still pending.
      const run = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Deploy v3.0.0', flow_id: flow.id })).expect(201)).body;
      await page.goto(`/requests/${run.id}`);
      const quorum = page.getByTestId('quorum');
      await expect.poll(() => quorum.textContent()).toBe('0 of 2 steps approved');
      await ann.http().patch(`/api/v1/approvals/${run.id}`).send({ decision: 'approve', comment: 'canary is green' }).expect(200);
      await ben.http().patch(`/api/v1/approvals/${run.id}`).send({ decision: 'approve' }).expect(200);
      await page.reload();
      await expect.poll(() => quorum.textContent()).toBe('1 of 2 steps approved');
      const steps = page.getByTestId('run-step');
      await steps.nth(1).getByText('active').waitFor();
      expect(await steps.nth(0).getAttribute('data-status')).toBe('approved');
      const results = steps.nth(0).getByTestId('results');
      await results.getByText(ann.user.email).waitFor();
      await results.getByText(ben.user.email).waitFor();
      const timeline = page.getByTestId('timeline');
      await timeline.getByText('voted on step 1 (approve)').waitFor();
      await timeline.getByText('approved step 1').waitFor();
      await shot(page, `run-one-of-two-${viewport.name}`);

      // Step 2 asks the manager, not the admin: the override lets the admin decide it, and says so.
      await page.getByRole('button', { name: 'Approve', exact: true }).click();
      await page.getByText('You approved this request.').waitFor();
      await expect.poll(() => quorum.textContent()).toBe('2 of 2 steps approved');
      await timeline.getByText('approved step 2 (admin override)').waitFor();
      expect(await timeline.textContent()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      await shot(page, `run-admin-override-${viewport.name}`);

      // The audit log page: the settings changes and the override, with the request a link, people and teams by name.
      // The session (which names the organization) is held until every other source has answered: the
      // log must wait for it rather than show the organization's id.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      await page.route('**/api/v1/me', async (route) => {
        await held;
        await route.continue();
      });
      const answered = ['/api/v1/audit-log', '/api/v1/members', '/api/v1/teams', '/api/v1/flows', '/api/v1/connections'].map((path) =>
        page.waitForResponse((r) => new URL(r.url()).pathname === path),
      );
      await page.goto('/audit-log');
      await Promise.all(answered);
      expect(await page.locator('body').textContent()).not.toContain(seed.org.id);
      release();
      const log = page.getByTestId('audit-log');
      const override = log.locator('tr').filter({ hasText: 'approval.admin_override' });
      await override.waitFor();
      expect(await override.textContent()).toContain(admin.email);
      expect(await override.getByRole('link', { name: 'the request' }).getAttribute('href')).toBe(`/requests/${run.id}`);
      expect(await log.locator('tr').filter({ hasText: 'org.settings_changed' }).count()).toBe(3);
      const created = log.locator('tr').filter({ hasText: 'team.created' });
      expect(await created.textContent()).toMatch(new RegExp(`member_ids: (${ann.user.email}|${ben.user.email}), (${ann.user.email}|${ben.user.email})`));
      const text = (await log.textContent())!;
      expect(text).toContain('connection primary');
      for (const id of [ann.user.id, ben.user.id, manager.user.id, admin.id, team.id, flow.id, seed.org.id, seed.connectionId]) expect(text).not.toContain(id);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width);
      await shot(page, `audit-log-names-${viewport.name}`);
      await context.close();
    }, 90_000);
  }
});
