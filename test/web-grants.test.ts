/**
 * Standing grants in a real browser (Debian's Chromium via playwright-core) against a real server
 * serving apps/web's build: an approver approves a request on its page with "and the same for the next
 * hour, at most 3 times"; the connection's next request is approved by the grant, and its page and the
 * inbox say by whose grant and how much of it is used; the Grants page lists it and its giver revokes
 * it; the next request is asked of people. A bystander sees no Revoke. Screenshots in test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('grants in Chromium', () => {
  const viewport = VIEWPORTS[0];
  it('given with an approval, shown on the decided request and the inbox, listed and revoked on the Grants page', async () => {
    const seed = await harness.seedOrg(server.db, 'Grant Org');
    const approver = await memberWithPassword(server, seed, 'approver');
    const body = harness.approvalBody({ title: 'Deploy web to staging', action_type: 'deploy.staging', priority: 'medium' });
    const first = (await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201)).body;

    const { context, page } = await signedInPage(browser, server.url, approver, viewport);
    await page.goto(`/requests/${first.id}`);
    const options = page.getByTestId('grant-options');
    await options.getByRole('checkbox').check();
    await options.getByLabel('at most').fill('3');
    await shot(page, `grants-give-${viewport.name}`);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(async () => (await server.http(seed.key).get(`/api/v1/approvals/${first.id}`)).body.status, { timeout: 10_000 }).toBe('approved');

    const second = (await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201)).body;
    expect(second).toMatchObject({ status: 'approved', decided_by_type: 'grant', decided_by_grant: { use: 1, max_uses: 3 } });
    await page.goto(`/requests/${second.id}`);
    await page.getByText(/This request was approved by .*'s grant \(1 of 3 used, until /).waitFor();
    await shot(page, `grants-decided-request-${viewport.name}`);
    await page.goto('/?assigned=all&status=approved');
    await page.locator(`[data-id="${second.id}"] [data-testid="auto-decider"]`).filter({ hasText: '1 of 3 used' }).waitFor();

    await page.goto('/grants');
    await page.getByRole('heading', { name: 'Grants', exact: true }).waitFor();
    const row = page.getByTestId('grants-table').locator('tbody tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.getByTestId('grant-uses').textContent()).toBe('1 of 3');
    await shot(page, `grants-page-${viewport.name}`);
    await row.getByRole('button', { name: /Revoke/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No active grants.').waitFor();
    expect((await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201)).body.status).toBe('pending');
    await context.close();

    // A member who neither gave it nor owns its connection sees none; an admin sees it, revoked, without Revoke.
    const admin = await memberWithPassword(server, seed, 'admin');
    const other = await signedInPage(browser, server.url, admin, viewport);
    await other.page.goto('/grants');
    await other.page.getByLabel('Show').selectOption('all');
    const adminRow = other.page.getByTestId('grants-table').locator('tbody tr');
    await adminRow.first().getByTestId('grant-state').filter({ hasText: 'revoked by' }).waitFor();
    expect(await adminRow.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
    await other.context.close();
  }, 120_000);
});
