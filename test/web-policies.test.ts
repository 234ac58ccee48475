/**
 * The Policies page in a real browser (Debian's Chromium via playwright-core) against a real server
 * serving apps/web's build: an admin writes a policy with a mistake and sees it at its line, fixes it,
 * replays it against past decisions (the request a person rejected that it would approve is listed),
 * confirms that it approves what a person rejected, saves it, and the next request is decided by it. Screenshots in test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard, VIEWPORTS } from './browser.ts';
import { harness, memberWithPassword } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

const BROKEN = '@id("reads")\n@reason("reads are safe")\npermit (principal, action, resource)\nwhen { resource.action_type like "read.*" };';
const FIXED = '@id("reads")\n@reason("reads are safe")\npermit (principal, action, resource)\nwhen { resource has action_type && resource.action_type like "read.*" };';

describe.skipIf(!browserTestsRun)('the Policies page in Chromium', () => {
  const viewport = VIEWPORTS[0];
  it('an admin sees a refused line at its place, replays the fixed set, saves it, and it decides the next request', async () => {
    const seed = await harness.seedOrg(server.db, 'Policy Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const decider = await seed.newKey({ name: 'decider' });
    const rejected = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Read the vault', action_type: 'read.vault' })).expect(201)).body;
    await server.http(decider.key).patch(`/api/v1/approvals/${rejected.id}`).send({ decision: 'reject' }).expect(200);

    const { context, page } = await signedInPage(browser, server.url, admin, viewport);
    await page.goto('/policies');
    await page.getByRole('heading', { name: 'Policies', exact: true }).waitFor();
    const editor = page.getByTestId('policy-editor');
    await editor.fill(BROKEN);
    await page.getByRole('button', { name: 'Save' }).click();
    const marked = page.locator('[data-testid="policy-lines"] li[data-error="true"]');
    await marked.first().waitFor();
    expect(await marked.getAttribute('data-line')).toBe('4');
    expect(await page.getByTestId('policy-issue').first().textContent()).toContain('line 4, column 8');
    await shot(page, `policies-error-${viewport.name}`);
    expect((await server.http(seed.key).get('/api/v1/policies').expect(200)).body.version).toBe(0);

    await editor.fill(FIXED);
    await page.getByRole('button', { name: 'Replay against recent decisions' }).click();
    const replay = page.getByTestId('policy-replay');
    await replay.getByText('It would approve 1 request that was rejected.').waitFor();
    await replay.getByRole('link', { name: 'Read the vault' }).waitFor();
    await shot(page, `policies-replay-${viewport.name}`);

    // It would approve what was rejected: the save is refused until the admin confirms, the request listed.
    await page.getByRole('button', { name: 'Save' }).click();
    const confirm = page.getByTestId('policy-approves-rejected');
    await confirm.getByRole('link', { name: 'Read the vault' }).waitFor();
    expect((await server.http(seed.key).get('/api/v1/policies').expect(200)).body.version).toBe(0);
    await shot(page, `policies-confirm-${viewport.name}`);
    await page.getByTestId('confirm-approves-rejected').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as version 1.' }).waitFor();
    const next = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Read logs', action_type: 'read.logs', priority: 'low' })).expect(201)).body;
    expect(next).toMatchObject({ status: 'approved', decided_by_policy: { id: 'reads' } });
    await page.goto(`/requests/${next.id}`);
    await page.getByText('This request was approved by policy reads').waitFor();
    await shot(page, `policies-decided-request-${viewport.name}`);
    await context.close();
  }, 90_000);
});
