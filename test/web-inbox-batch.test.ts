/**
 * The inbox's multi-select in a real browser (Debian's Chromium driven by playwright-core) against a
 * real Greenlight server in this process: select requests, "approve selected", the confirmation that
 * lists them, then each request's result, refusals in plain words; at desktop and phone width.
 * Screenshots go to test-results/screenshots/.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard } from './browser.ts';
import { harness, memberWithPassword } from '@greenlight/server/testing';


let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));


async function create(key: string, body: Record<string, unknown>) {
  const res = await server.http(key).post('/api/v1/approvals').send(harness.approvalBody(body));
  expect(res.status).toBe(201);
  return res.body as { id: string; title: string };
}

async function scenario(viewport: { width: number; height: number }, name: string) {
  const seed = await harness.seedOrg(server.db, 'Batch Org');
  const me = await memberWithPassword(server, seed, 'approver');
  const colleague = await seed.addUser('approver');
  const a = await create(seed.key, { title: 'Rotate the staging database password', priority: 'medium' });
  const b = await create(seed.key, { title: 'Grant read access to the finance bucket', priority: 'high' });
  // Waits on a colleague's step: the dashboard cannot tell, the server refuses it.
  const c = await create(seed.key, { title: 'Delete the legacy billing exports', priority: 'low' });
  await server
    .http(seed.key)
    .post(`/api/v1/approvals/${c.id}/steps`)
    .send({ steps: [{ approver_id: colleague.id, step_order: 1 }] })
    .expect(201);
  const untouched = await create(seed.key, { title: 'Not selected: stays pending' });

  const { context, page } = await signedInPage(browser, server.url, me, viewport);
  // "Waiting for me" leaves out the request that waits on a colleague's step; "Everything" shows it.
  await page.locator(`li[data-id="${a.id}"]`).waitFor();
  expect(await page.locator(`li[data-id="${c.id}"]`).count()).toBe(0);
  await page.getByTestId('inbox-tabs').getByRole('link', { name: 'Everything' }).click();
  await page.locator(`li[data-id="${c.id}"]`).waitFor();
  await page.locator(`li[data-id="${untouched.id}"]`).waitFor();
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width);

  for (const r of [a, b, c]) await page.getByRole('checkbox', { name: `Select: ${r.title}` }).check();
  await expect.poll(() => page.getByRole('toolbar').textContent()).toContain('3 selected');
  await shot(page, `${name}-selected`);

  await page.getByRole('button', { name: 'Approve selected' }).click();
  const dialog = page.getByTestId('batch-dialog');
  await dialog.getByRole('heading', { name: 'Approve 3 requests?' }).waitFor();
  // The confirmation lists what will happen to each, and nothing has been sent yet.
  const listed = await dialog.getByRole('list', { name: 'Requests to approve' }).getByRole('listitem').allTextContents();
  expect(listed).toHaveLength(3);
  expect(new Set(listed)).toEqual(new Set([a, b, c].map((r) => `Approve · ${r.title}`)));
  expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`)).body.status).toBe('pending');
  await dialog.getByLabel(/Comment/).fill('checked together');
  await shot(page, `${name}-confirm`);

  await dialog.getByRole('button', { name: 'Approve 3' }).click();
  await dialog.getByRole('heading', { name: '2 of 3 approvals recorded' }).waitFor();
  const results = dialog.getByTestId('batch-results');
  expect(await results.locator(`li[data-id="${a.id}"]`).textContent()).toContain('Approved');
  expect(await results.locator(`li[data-id="${b.id}"]`).textContent()).toContain('Approved');
  expect(await results.locator(`li[data-id="${c.id}"]`).textContent()).toContain('You are not an approver of the step this request is waiting on.');
  await shot(page, `${name}-results`);
  await dialog.getByRole('button', { name: 'Close' }).click();

  const status = async (id: string) => (await server.http(seed.key).get(`/api/v1/approvals/${id}`)).body;
  expect(await status(a.id)).toMatchObject({ status: 'approved', decision_comment: 'checked together', decided_by: me.id });
  expect((await status(b.id)).status).toBe('approved');
  expect((await status(c.id)).status).toBe('pending');
  expect((await status(untouched.id)).status).toBe('pending');
  // The refused one stays selected, for another try or to clear.
  await expect.poll(() => page.getByRole('toolbar').textContent()).toContain('1 selected');
  await context.close();
}

describe.skipIf(!browserTestsRun)('the inbox: deciding several requests at once', () => {
  it('desktop: select, confirm the list, approve, see each result', () => scenario({ width: 1280, height: 900 }, '20-batch-desktop'));
  it('phone width (390×844): the same, nothing wider than the screen', () => scenario({ width: 390, height: 844 }, '21-batch-phone'));
});
