/**
 * The revoke window on the request page, in a real browser: an admin sees "Revocable until …" and a
 * Revoke button on an approval with an open window, revokes it with a reason, and the page then says
 * who revoked it and why; the request is `rejected` with `revoked_at` set.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard } from './browser.ts';
import { harness, memberWithPassword } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('revoke window on the request page', () => {
  it('an admin revokes an approval inside its window', async () => {
    const seed = await harness.seedOrg(server.db, 'Revoke Org');
    const approver = await seed.newKey({ name: 'approver' });
    const created = await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Drop table orders', revocable_for_seconds: 600 })).expect(201);
    await server.http(approver.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision: 'approve' }).expect(200);

    const admin = await memberWithPassword(server, seed, 'admin');
    const { context, page } = await signedInPage(browser, server.url, admin);

    await page.goto(`/requests/${created.body.id}`);
    await page.getByRole('heading', { name: 'Drop table orders' }).waitFor();
    await expect.poll(() => page.getByTestId('revoke-window').textContent()).toContain('Revocable until');
    await shot(page, '30-revoke-window');
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByLabel('Reason (optional, the automation receives it)').fill('Wrong database');
    await page.getByRole('button', { name: 'Revoke approval' }).click();
    await expect.poll(() => page.getByTestId('revoked').textContent()).toContain('Wrong database');
    await shot(page, '31-revoked');

    const got = await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200);
    expect(got.body).toMatchObject({ status: 'rejected', revocation_reason: 'Wrong database', revoked_by: { type: 'user', id: admin.id } });
    await context.close();
  });
});
