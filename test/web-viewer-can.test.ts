/**
 * What the request page and the inbox offer is the server's `viewer_can`, in a real browser (Debian's
 * Chromium via playwright-core) against a real server: an approver whom the active step does not ask
 * sees no Approve or Reject, only "Waiting for team Oncall" (on the page and in the inbox); a member
 * of the team sees the buttons. With `required_approvals: 2` the first voter, who is not
 * `decided_by`, is offered Revoke, as the API allows.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard } from './browser.ts';
import { harness, memberWithPassword, signedIn } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('viewer_can on the request page and in the inbox', () => {
  it('someone the active step does not ask sees the reason and no decide buttons; the team member sees them', async () => {
    const seed = await harness.seedOrg(server.db, 'Viewer Can Org');
    const [outsider, member] = [await memberWithPassword(server, seed, 'approver'), await memberWithPassword(server, seed, 'approver')];
    const admin = await signedIn(server, seed);
    const oncall = (await admin.http().post('/api/v1/teams').send({ name: 'Oncall', member_ids: [member.id] }).expect(201)).body;
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Restart the primary' })).expect(201)).body;
    await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ team_id: oncall.id, step_order: 1 }] }).expect(201);

    const outside = await signedInPage(browser, server.url, outsider);
    await outside.page.goto(`/requests/${created.id}`);
    await outside.page.getByRole('heading', { name: 'Restart the primary' }).waitFor();
    await expect.poll(() => outside.page.getByTestId('decide-refusal').textContent()).toBe('Waiting for team Oncall');
    expect(await outside.page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    expect(await outside.page.getByRole('button', { name: 'Reject', exact: true }).count()).toBe(0);
    expect(await outside.page.getByRole('button', { name: 'Cancel request' }).count()).toBe(0);
    await shot(outside.page, 'viewer-can-waiting-for-team');

    // The inbox (everything) lists it with the reason and no Decide button.
    await outside.page.goto('/?assigned=all');
    const row = outside.page.locator(`li[data-id="${created.id}"]`);
    await row.waitFor();
    await expect.poll(() => row.getByTestId('decide-refusal').textContent()).toBe('Waiting for team Oncall');
    expect(await row.getByRole('button', { name: /^Decide/ }).count()).toBe(0);
    await outside.context.close();

    const inside = await signedInPage(browser, server.url, member);
    await inside.page.goto(`/requests/${created.id}`);
    await inside.page.getByRole('button', { name: 'Approve', exact: true }).waitFor();
    expect(await inside.page.getByTestId('decide-refusal').count()).toBe(0);
    await inside.page.getByRole('button', { name: 'Approve', exact: true }).click();
    await inside.page.getByText('You approved this request.').waitFor();
    await inside.context.close();
  }, 90_000);

  it('the first of two voters is offered Revoke, though not decided_by', async () => {
    const seed = await harness.seedOrg(server.db, 'First Voter Org');
    const first = await memberWithPassword(server, seed, 'approver');
    const second = await signedIn(server, seed, 'approver');
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Rotate keys', required_approvals: 2, revocable_for_seconds: 600 })).expect(201)).body;
    const { context, page } = await signedInPage(browser, server.url, first);
    await page.goto(`/requests/${created.id}`);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByText(/Your approval is recorded/).waitFor();
    await second.http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    await page.reload();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke approval' }).click();
    await page.getByTestId('revoked').waitFor();
    const after = await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200);
    expect(after.body).toMatchObject({ status: 'rejected', decided_by: second.user.id, revoked_by: { type: 'user', id: first.id } });
    await context.close();
  }, 90_000);
});
