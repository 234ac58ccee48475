/**
 * The dashboard's grant option follows the server's `viewer_can.grant`, and the Grants page's "Prompts
 * avoided" panel shows the server's per-policy and per-grant counts over the chosen window, in a real
 * browser (Debian's Chromium via playwright-core) against a real server. The expected counts are
 * written out from what the test made happen. Screenshots in test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard } from './browser.ts';
import { harness, memberWithPassword, signedIn } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

/** A table row's cells as text, for the row of `kind` (policy or grant) named `id`. */
const countsOf = async (page: Page, kind: string, id: string) => {
  const row = page.getByTestId('prompts-table').locator(`tbody tr[data-kind="${kind}"][data-id="${id}"]`);
  await row.waitFor();
  return [await row.getByTestId('approved').textContent(), await row.getByTestId('rejected').textContent()];
};

describe.skipIf(!browserTestsRun)('the grant option and the prompts-avoided panel in Chromium', () => {
  it('the decision form offers a grant only where viewer_can.grant allows it, and says why not elsewhere', async () => {
    const seed = await harness.seedOrg(server.db, 'Grant Offer Org');
    const approver = await memberWithPassword(server, seed, 'approver');
    const ask = async (priority: string) =>
      (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: `Deploy (${priority})`, action_type: 'deploy.staging', priority })).expect(201)).body;
    const normal = await ask('medium');
    const critical = await ask('critical');
    const twoPeople = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Two people', action_type: 'deploy.staging', priority: 'low', required_approvals: 2 })).expect(201)).body;

    const { context, page } = await signedInPage(browser, server.url, approver);
    await page.goto(`/requests/${normal.id}`);
    await page.getByTestId('grant-options').waitFor();
    expect(await page.getByTestId('grant-refusal').count()).toBe(0);

    await page.goto(`/requests/${critical.id}`);
    await page.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('grant-refusal').textContent()).toBe(
      'No standing grant with this approval: A critical request of action type deploy.staging never goes without a person.',
    );
    expect(await page.getByTestId('grant-options').count()).toBe(0);
    await shot(page, 'grant-offer-refused-critical');

    await page.goto(`/requests/${twoPeople.id}`);
    await page.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('grant-refusal').textContent()).toContain('Your approval alone does not decide this request');
    expect(await page.getByTestId('grant-options').count()).toBe(0);

    // The offered grant, given: the next request is approved by it.
    await page.goto(`/requests/${normal.id}`);
    await page.getByTestId('grant-options').getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect.poll(async () => (await server.http(seed.key).get(`/api/v1/approvals/${normal.id}`)).body.status, { timeout: 10_000 }).toBe('approved');
    expect((await ask('medium')).decided_by_type).toBe('grant');
    await context.close();
  }, 120_000);

  it('the panel shows each policy’s and each grant’s decisions over the chosen window', async () => {
    const seed = await harness.seedOrg(server.db, 'Prompts Org');
    const adminUser = await memberWithPassword(server, seed, 'admin');
    const admin = await signedIn(server, seed);
    const giver = await signedIn(server, seed, 'approver');
    const source = `@id("reads")\npermit (principal, action, resource) when { resource.title == "read" };\n@id("no-prod")\nforbid (principal, action, resource) when { resource.hasTag("env") && resource.getTag("env") == "prod" };`;
    await admin.http().put('/api/v1/policies').send({ source, never_without_person: { priorities: ['critical'], action_types: [] } }).expect(200);
    const ask = async (o: Record<string, unknown>) => (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ action_type: 'job.run', priority: 'low', ...o })).expect(201)).body;
    const first = await ask({ title: 'Run the job' });
    await giver.http().patch(`/api/v1/approvals/${first.id}`).send({ decision: 'approve', grant: {} }).expect(200);
    const grantId = (await server.db.query<{ id: string }>('SELECT id FROM grants WHERE given_on = $1', [first.id])).rows[0]!.id;
    for (let i = 0; i < 3; i++) expect((await ask({ title: 'read' })).decided_by_type).toBe('policy');
    expect((await ask({ title: 'prod', tags: { env: 'prod' } })).status).toBe('rejected');
    for (let i = 0; i < 2; i++) expect((await ask({ title: 'Run the job' })).decided_by_type).toBe('grant');
    // One policy approval of two days ago: in the 7-day window, not in the 24-hour one.
    const old = await ask({ title: 'read' });
    await server.db.query(`UPDATE approvals SET decided_at = now() - interval '2 days' WHERE id = $1`, [old.id]);

    const { context, page } = await signedInPage(browser, server.url, adminUser);
    await page.goto('/grants');
    await page.getByRole('heading', { name: 'Prompts avoided' }).waitFor();
    expect(await countsOf(page, 'policy', 'reads')).toEqual(['4', '0']);
    expect(await countsOf(page, 'policy', 'no-prod')).toEqual(['0', '1']);
    expect(await countsOf(page, 'grant', grantId)).toEqual(['2', '—']);
    await expect.poll(() => page.getByTestId('prompts-total').textContent()).toBe('7 requests decided without asking anyone');
    await shot(page, 'grants-prompts-avoided-7d');

    await page.getByLabel('Over').selectOption('24h');
    await expect.poll(() => countsOf(page, 'policy', 'reads')).toEqual(['3', '0']);
    await expect.poll(() => page.getByTestId('prompts-total').textContent()).toBe('6 requests decided without asking anyone');
    await context.close();
  }, 120_000);
});
