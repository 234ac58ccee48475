/**
 * Who is asked, in a real browser (Debian's Chromium via playwright-core) against a real server serving
 * apps/web's build: an admin creates and changes an approval flow, turns the admin override on, sets an
 * out-of-office delegate; a request page shows its run (active step, names, per-reviewer results
 * "X for Y", who stands in for whom) and reassigns a step; the inbox tabs put what waits for me first.
 * Screenshots at desktop and phone width in test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword, signedIn } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('flows, delegation, reassignment and the reviewer\'s inbox in Chromium', () => {
  for (const viewport of VIEWPORTS) {
    it(`an admin builds a flow, goes out of office, reassigns a step and sees "X for Y" (${viewport.name})`, async () => {
      const seed = await harness.seedOrg(server.db, 'People Org');
      const admin = await memberWithPassword(server, seed, 'admin');
      const bob = await signedIn(server, seed, 'approver');
      const dana = await seed.addUser('approver', `dana-${viewport.name}-${Date.now()}@example.test`);
      const seededAdmin = await signedIn(server, seed);
      await seededAdmin.http().post('/api/v1/teams').send({ name: 'Oncall', member_ids: [dana.id] }).expect(201);

      const { context, page } = await signedInPage(browser, server.url, admin, viewport);

      // A flow of two steps: the Oncall team, then Bob.
      await page.goto('/flows');
      await page.getByRole('heading', { name: 'Approval flows' }).waitFor();
      const form = page.getByTestId('flow-form');
      await form.getByLabel('Name', { exact: true }).fill('Deploy to production');
      await form.getByTestId('flow-step').nth(0).getByLabel('Oncall').check();
      await form.getByRole('button', { name: 'Add a step' }).click();
      await form.getByTestId('flow-step').nth(1).getByLabel(bob.user.email).check();
      await form.getByRole('button', { name: 'Create flow' }).click();
      const card = page.getByTestId('flow').filter({ hasText: 'Deploy to production' });
      await card.getByText('team Oncall').waitFor();
      await card.getByText(bob.user.email).waitFor();
      // Changing it makes version 2.
      await card.getByRole('button', { name: /Change/ }).click();
      await page.getByTestId('flow-form').getByLabel('Description').fill('Two sets of eyes on every deploy');
      await page.getByRole('button', { name: 'Save (new version)' }).click();
      await page.getByTestId('flow').filter({ hasText: 'version 2' }).waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width);
      await shot(page, `flows-${viewport.name}`);
      const flows = (await server.http(seed.key).get('/api/v1/flows').expect(200)).body.data;
      expect(flows).toMatchObject([{ name: 'Deploy to production', version: 2, steps: [{ approvers: { team_ids: [expect.any(String)] } }, { approvers: { user_ids: [bob.user.id] } }] }]);

      // Who may decide, and out of office (Bob decides for the admin).
      await page.goto('/settings');
      const who = page.getByTestId('who-decides');
      await who.getByLabel(/Admins \(and API keys\) may decide/).check();
      await who.getByText('Saved.').waitFor();
      const { rows } = await server.db.query<{ admin_override: boolean }>('SELECT admin_override FROM orgs WHERE id = $1', [seed.org.id]);
      expect(rows[0]!.admin_override).toBe(true);
      const ooo = page.getByTestId('out-of-office');
      await ooo.getByLabel('Delegate').selectOption({ label: bob.user.email });
      await ooo.getByRole('button', { name: 'Set delegate' }).click();
      await ooo.getByTestId('delegation-state').filter({ hasText: 'You are away' }).waitFor();
      await shot(page, `out-of-office-${viewport.name}`);

      // A run of the flow: the request page shows the active step; the admin reassigns step 1 to Dana.
      const run = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Deploy v2.4.0', flow_id: flows[0].id })).expect(201)).body;
      await page.goto(`/requests/${run.id}`);
      const steps = page.getByTestId('run-step');
      await steps.nth(0).getByText('active').waitFor();
      await steps.nth(0).getByTestId('reassign-open').click();
      const reassign = page.getByTestId('reassign-form');
      await reassign.getByLabel(dana.email).check();
      await reassign.getByLabel(/Why/).fill('Oncall is short-handed today');
      await reassign.getByRole('button', { name: 'Reassign' }).click();
      await steps.nth(0).getByTestId('step-approvers').filter({ hasText: dana.email }).waitFor();
      // The trail names who it asked before and after, never their ids.
      await page.getByTestId('timeline').getByText(`reassigned step 1 from team Oncall to ${dana.email}`).waitFor();
      expect(await page.getByTestId('quorum').textContent()).toBe('0 of 2 steps approved');
      expect(await page.getByTestId('timeline').textContent()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      await shot(page, `reassigned-${viewport.name}`);

      // A step that asks the admin while away: Bob is asked and decides for them.
      const asked = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Rotate the signing key' })).expect(201)).body;
      await server.http(seed.key).post(`/api/v1/approvals/${asked.id}/steps`).send({ steps: [{ approver_id: admin.id, step_order: 1 }] }).expect(201);
      await page.goto(`/requests/${asked.id}`);
      await page.getByTestId('delegation-note').filter({ hasText: `${bob.user.email} decides for them` }).waitFor();
      await bob.http().patch(`/api/v1/approvals/${asked.id}`).send({ decision: 'approve', comment: 'covered' }).expect(200);
      await page.reload();
      await page.getByTestId('results').getByText(`${bob.user.email} for ${admin.email}`).waitFor();
      await page.getByTestId('timeline').getByText(`for ${admin.email}`).first().waitFor();
      await shot(page, `delegate-vote-${viewport.name}`);

      // The inbox: "Waiting for me" first; the admin is away, so the run (now Dana's) is only under "Everything".
      await page.goto('/');
      const tabs = page.getByTestId('inbox-tabs');
      expect(await tabs.getByRole('link', { name: 'Waiting for me' }).getAttribute('aria-current')).toBe('page');
      await page.getByText('Nothing is waiting for you.').waitFor();
      await tabs.getByRole('link', { name: 'Everything' }).click();
      await page.locator(`li[data-id="${run.id}"]`).waitFor();
      await shot(page, `inbox-tabs-${viewport.name}`);
      await context.close();
    }, 90_000);
  }
});
