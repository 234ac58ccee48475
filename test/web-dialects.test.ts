/**
 * A request made through a peer API is an ordinary request in the dashboard (real Chromium, real
 * server serving apps/web's build): a Human Approval client creates it at /human-approval/api/v1, an
 * approver finds it in the inbox, sees on its page which API created it and its payload, approves it,
 * and the client reads the decision back through the Human Approval API. The same for a KaireonAI
 * client at /kaireon/api/v1, its request routed into a flow, read back through KaireonAI's API and as a
 * run of the approval-runs API.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard } from './browser.ts';
import { harness, memberWithPassword, signedIn } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('a request of the Human Approval API, decided in the dashboard in Chromium', () => {
  it('shows where it came from, is approved there, and reads back approved through the Human Approval API', async () => {
    const seed = await harness.seedOrg(server.db, 'Dialect Org');
    const approver = await memberWithPassword(server, seed, 'approver');
    const created = await server
      .http(seed.key)
      .post('/human-approval/api/v1/requests')
      .send({ title: 'Refund order 1042', external_id: 'order-1042', payload: { order: 1042, amount_eur: 89 } })
      .expect(201);
    const id = created.body.id as string;

    const { context, page } = await signedInPage(browser, server.url, approver);
    const row = page.locator(`li[data-id="${id}"]`);
    await row.waitFor();
    await row.getByRole('link', { name: 'Refund order 1042' }).click();
    await page.getByRole('heading', { name: 'Refund order 1042' }).waitFor();
    expect(await page.getByTestId('created-via').textContent()).toContain('Human Approval API');
    expect(await page.locator('pre.json').textContent()).toContain('"amount_eur": 89');
    await page.getByLabel(/Decision comment/).fill('Refund is within policy');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('You approved this request.').waitFor();
    await shot(page, 'dialect-human-approval-approved');
    await context.close();

    const read = await server.http(seed.key).get(`/human-approval/api/v1/requests/${id}`).expect(200);
    expect(read.body).toMatchObject({
      id,
      status: 'approved',
      external_id: 'order-1042',
      payload: { order: 1042, amount_eur: 89 },
      decided_by_id: approver.id,
      decision_note: 'Refund is within policy',
      decided_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });
});

describe.skipIf(!browserTestsRun)('a request of the KaireonAI approvals API, routed into a flow and decided in the dashboard in Chromium', () => {
  it('is rejected there, and reads back rejected through the KaireonAI API and as a run of the approval-runs API', async () => {
    const seed = await harness.seedOrg(server.db, 'Kaireon Dialect Org');
    const approver = await memberWithPassword(server, seed, 'approver');
    // Flows and routing rules are an admin's, in the dashboard's session; the request is the API key's.
    const admin = (await signedIn(server, seed)).http();
    const flowId = (await admin.post('/api/v1/flows').send({ name: 'Rule changes', steps: [{ name: 'Review', approvers: { user_ids: [approver.id] } }] }).expect(201)).body.id as string;
    await admin.put('/api/v1/routing-rules').send({ rules: [{ name: 'Rule updates', match: { action_type: 'update' }, action: { flow_id: flowId } }] }).expect(200);
    const created = await server
      .http(seed.key)
      .post('/kaireon/api/v1/approvals')
      .set('X-Tenant-Id', seed.org.slug)
      .send({ entityType: 'qualificationRule', entityId: 'qr_001', entityName: 'Credit Score Rule', action: 'update', payload: { config: { threshold: 650 } } })
      .expect(201);
    const id = created.body.id as string;

    const { context, page } = await signedInPage(browser, server.url, approver);
    const row = page.locator(`li[data-id="${id}"]`);
    await row.waitFor();
    await row.getByRole('link').first().click();
    await page.getByTestId('created-via').waitFor();
    expect(await page.getByTestId('created-via').textContent()).toContain('KaireonAI approvals API');
    expect(await page.locator('pre.json').first().textContent()).toContain('"threshold": 650');
    await page.getByLabel(/Decision comment/).fill('Threshold too low');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('You rejected this request.').waitFor();
    await shot(page, 'dialect-kaireon-rejected');
    await context.close();

    const read = await server.http(seed.key).get(`/kaireon/api/v1/approvals/${id}`).set('X-Tenant-Id', seed.org.slug).expect(200);
    expect(read.body).toMatchObject({ id, status: 'rejected', approverId: approver.id, comments: 'Threshold too low', resolvedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    const run = await server.http().get(`/organizations/${seed.org.id}/approvals/${flowId}/runs/${id}`).set('Authorization', `Bearer ${seed.key}`).expect(200);
    expect(run.body).toMatchObject({ id, approvalFlowId: flowId, status: 'rejected', results: [{ reviewer: { type: 'user', id: approver.id }, result: 'rejected', comment: 'Threshold too low' }] });
  });
});
