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
  const colleague = await seed.addUser('approver', `colleague-${name}@example.test`);
  const a = await create(seed.key, { title: 'Rotate the staging database password', priority: 'medium' });
  const b = await create(seed.key, { title: 'Grant read access to the finance bucket', priority: 'high' });
  // Waits on a colleague's step: the server says so (viewer_can), so it cannot be selected.
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

  const waiting = page.locator(`li[data-id="${c.id}"]`);
  expect(await waiting.getByRole('checkbox').count()).toBe(0);
  expect(await waiting.getByTestId('decide-refusal').textContent()).toBe(`Waiting for colleague-${name}@example.test`);
  for (const r of [a, b]) await page.getByRole('checkbox', { name: `Select: ${r.title}` }).check();
  await expect.poll(() => page.getByRole('toolbar').textContent()).toContain('2 selected');
  await shot(page, `${name}-selected`);

  await page.getByRole('button', { name: 'Approve selected' }).click();
  const dialog = page.getByTestId('batch-dialog');
  await dialog.getByRole('heading', { name: 'Approve 2 requests?' }).waitFor();
  // The confirmation lists what will happen to each, and nothing has been sent yet.
  const listed = await dialog.getByRole('list', { name: 'Requests to approve' }).getByRole('listitem').allTextContents();
  expect(listed).toHaveLength(2);
  expect(new Set(listed)).toEqual(new Set([a, b].map((r) => `Approve · ${r.title}`)));
  expect((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`)).body.status).toBe('pending');
  await dialog.getByLabel(/Comment/).fill('checked together');
  await shot(page, `${name}-confirm`);

  // Meanwhile the requester withdraws one: its refusal comes back in plain words.
  await server.http(seed.key).patch(`/api/v1/approvals/${b.id}`).send({ decision: 'reject' }).expect(200);
  await dialog.getByRole('button', { name: 'Approve 2' }).click();
  await dialog.getByRole('heading', { name: '1 of 2 approvals recorded' }).waitFor();
  const results = dialog.getByTestId('batch-results');
  expect(await results.locator(`li[data-id="${a.id}"]`).textContent()).toContain('Approved');
  expect(await results.locator(`li[data-id="${b.id}"]`).textContent()).toContain('This can’t be done any more');
  await shot(page, `${name}-results`);
  await dialog.getByRole('button', { name: 'Close' }).click();

  const status = async (id: string) => (await server.http(seed.key).get(`/api/v1/approvals/${id}`)).body;
  expect(await status(a.id)).toMatchObject({ status: 'approved', decision_comment: 'checked together', decided_by: me.id });
  expect((await status(b.id)).status).toBe('rejected');
  expect((await status(c.id)).status).toBe('pending');
  expect((await status(untouched.id)).status).toBe('pending');
  // The refused one is decided now (viewer_can says so), so it leaves the selection too.
  await expect.poll(() => page.getByRole('toolbar').textContent()).toContain('0 selected');
  await context.close();
}

describe.skipIf(!browserTestsRun)('the inbox: deciding several requests at once', () => {
  it('desktop: select, confirm the list, approve, see each result', () => scenario({ width: 1280, height: 900 }, '20-batch-desktop'));
  it('phone width (390×844): the same, nothing wider than the screen', () => scenario({ width: 390, height: 844 }, '21-batch-phone'));
});
