/**
 * The Routing rules page in a real browser (Debian's Chromium via playwright-core) against a real
 * server serving apps/web's build: an admin adds two rules, reorders them, previews the dry run
 * (what would move, in sentences and per request) and only then saves; the saved set routes the next
 * request. Screenshots at desktop and phone width in test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword, signedIn } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('the Routing rules page in Chromium', () => {
  for (const viewport of VIEWPORTS) {
    it(`an admin adds and reorders rules, previews the dry run, then saves (${viewport.name})`, async () => {
      const seed = await harness.seedOrg(server.db, 'Routing Org');
      const admin = await memberWithPassword(server, seed, 'admin');
      const ann = await seed.addUser('approver', `ann-${viewport.name}-${Date.now()}@example.test`);
      for (let i = 0; i < 3; i++) {
        await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: `Deploy ${i}`, action_type: 'deploy.production' })).expect(201);
      }
      await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Urgent', priority: 'critical' })).expect(201);

      const { context, page } = await signedInPage(browser, server.url, admin, viewport);

      await page.goto('/routing');
      await page.getByRole('heading', { name: 'Routing rules', exact: true }).waitFor();
      await page.getByText('No rules: every approver and admin is asked about every request.').waitFor();

      await page.getByRole('button', { name: 'Add a rule' }).click();
      const first = page.getByTestId('routing-rule').nth(0);
      await first.getByLabel('Rule name').fill('Critical');
      await first.getByRole('checkbox', { name: 'critical' }).check();
      await first.getByRole('checkbox', { name: admin.email }).check();

      await page.getByRole('button', { name: 'Add a rule' }).click();
      const second = page.getByTestId('routing-rule').nth(1);
      await second.getByLabel('Rule name').fill('Deploys');
      await second.getByLabel('Action type').fill('deploy.*');
      await second.getByRole('checkbox', { name: ann.email }).check();
      // Deploys first.
      await second.getByRole('button', { name: 'Move up Deploys' }).click();
      await page.getByTestId('routing-rule').nth(0).getByRole('heading', { name: '1. Deploys' }).waitFor();

      // Saving waits for a preview of exactly what is saved.
      const save = page.getByRole('button', { name: 'Save rules' });
      expect(await save.isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Preview changes' }).click();
      const preview = page.getByTestId('dry-run');
      await preview.getByText('3 requests that match no rule now would be routed by rule 1 “Deploys”.').waitFor();
      await preview.getByText('1 request that matches no rule now would be routed by rule 2 “Critical”.').waitFor();
      expect(await page.getByTestId('moved-request').count()).toBe(4);
      await page.getByTestId('moved-request').filter({ hasText: 'Deploy 0' }).filter({ hasText: ann.email }).waitFor();
      await shot(page, `routing-preview-${viewport.name}`);
      expect((await server.http(seed.key).get('/api/v1/routing-rules').expect(200)).body.version).toBe(0);

      await save.click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await shot(page, `routing-saved-${viewport.name}`);
      const { body: set } = await server.http(seed.key).get('/api/v1/routing-rules').expect(200);
      expect(set).toMatchObject({
        version: 1,
        rules: [
          { position: 1, name: 'Deploys', match: { action_type: 'deploy.*' }, action: { approvers: { user_ids: [ann.id], team_ids: [] }, quorum: 1 } },
          { position: 2, name: 'Critical', match: { priority: ['critical'] }, action: { approvers: { user_ids: [admin.id] } } },
        ],
      });

      const routed = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Deploy 4', action_type: 'deploy.staging' })).expect(201)).body;
      expect(routed.routing).toMatchObject({ rule_name: 'Deploys', version: 1 });
      await page.goto(`/requests/${routed.id}`);
      await page.getByTestId('routed-by').filter({ hasText: 'Deploys' }).waitFor();
      // The request's audit trail says which rule routed it.
      await page.getByTestId('timeline').getByText('requested this (routed by the rule “Deploys”)').waitFor();
      await shot(page, `routing-routed-request-${viewport.name}`);
      // Steps its requester names afterwards take the rule's place, and the trail says so.
      await server.http(seed.key).post(`/api/v1/approvals/${routed.id}/steps`).send({ steps: [{ approver_id: admin.id, step_order: 1 }] }).expect(201);
      await page.reload();
      await page.getByTestId('timeline').getByText('configured the steps, in place of the rule “Deploys”').waitFor();
      expect(await page.getByTestId('routed-by').count()).toBe(0);
      await context.close();

      // A member who is not an admin reads the rules: what each matches and whom it asks, by name
      // (the people they can see through a team).
      await (await signedIn(server, seed)).http().post('/api/v1/teams').send({ name: 'Deployers', member_ids: [ann.id] }).expect(201);
      const reader = await memberWithPassword(server, seed, 'approver');
      const other = await signedInPage(browser, server.url, reader, viewport);
      await other.page.goto('/routing');
      const list = other.page.getByTestId('rule-list');
      await list.getByRole('listitem').filter({ hasText: 'Deploys' }).getByTestId('rule-asks').filter({ hasText: `asks ${ann.email}` }).waitFor();
      await list.getByRole('listitem').filter({ hasText: 'Critical' }).getByTestId('rule-asks').filter({ hasText: 'asks 1 other person' }).waitFor();
      expect(await list.textContent()).not.toContain(ann.id);
      await shot(other.page, `routing-read-only-${viewport.name}`);
      await other.context.close();
    }, 90_000);
  }
});
