/**
 * The Teams page in a real browser (Debian's Chromium via playwright-core) against a real server
 * serving apps/web's build: an admin creates a team, adds a member, sees it listed; the names of a
 * team step show on the request page. Screenshots at desktop and phone width in test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword } from '@greenlight/server/testing';


let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('the Teams page in Chromium', () => {
  for (const viewport of VIEWPORTS) {
    it(`an admin creates a team and adds a member; a team step shows the team's name (${viewport.name})`, async () => {
      const seed = await harness.seedOrg(server.db, 'Teams Org');
      const admin = await memberWithPassword(server, seed, 'admin');
      const ann = await seed.addUser('approver', `ann-${viewport.name}-${Date.now()}@example.test`);
      const { context, page } = await signedInPage(browser, server.url, admin, viewport);

      await page.goto('/teams');
      await page.getByRole('heading', { name: 'Teams', exact: true }).waitFor();
      await page.getByLabel('Name').fill('Finance');
      await page.getByRole('button', { name: 'Create team' }).click();
      const card = page.getByTestId('team').filter({ hasText: 'Finance' });
      await card.waitFor();
      await card.getByLabel('Add a member to Finance').selectOption(ann.id);
      await card.getByRole('button', { name: 'Add', exact: true }).click();
      await card.getByText(ann.email, { exact: true }).waitFor();
      await shot(page, `teams-${viewport.name}`);

      const { body: teams } = await server.http(seed.key).get('/api/v1/teams').expect(200);
      expect(teams.data).toMatchObject([{ name: 'Finance', members: [{ user_id: ann.id }] }]);

      const created = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Pay invoice 42' })).expect(201)).body;
      await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ team_id: teams.data[0].id, step_order: 1 }] }).expect(201);
      await page.goto(`/requests/${created.id}`);
      await page.getByTestId('step-approvers').filter({ hasText: 'team Finance' }).waitFor();
      await shot(page, `team-step-${viewport.name}`);
      await context.close();
    }, 60_000);
  }
});
