/**
 * Passkey step-up in a real browser, with Chromium's virtual authenticator (the DevTools WebAuthn
 * domain): an admin marks critical requests as needing a passkey confirmation on the organization page;
 * an approver registers a passkey on the same page; on a critical request the page offers "Confirm with
 * your passkey" instead of the buttons and the server refuses a decision from the session, then the
 * confirmation runs the WebAuthn ceremony and the approver decides. WebAuthn needs a domain for its
 * relying party (never an IP address), so the server is opened as localhost, its public URL's host.
 */
import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard } from './browser.ts';
import { portForLaterBind } from './ports.ts';
import { harness, memberWithPassword } from '@greenlight/server/testing';

const port = await portForLaterBind();
const BASE = `http://localhost:${port}`;

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]), { config: { PORT: String(port), GREENLIGHT_PUBLIC_URL: BASE } });

/** A user-verifying platform authenticator in this page's browser context, as a laptop's built-in one. */
async function virtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}

/** The session's own PATCH, as the dashboard sends it: the browser's cookie, and the CSRF token the page carries. */
async function decideFromPage(page: Page, id: string) {
  const csrf = (await page.locator('meta[name="csrf-token"]').getAttribute('content'))!;
  const res = await page.context().request.patch(`/api/v1/approvals/${id}`, { headers: { 'X-CSRF-Token': csrf }, data: { decision: 'approve' } });
  return { status: res.status(), body: (await res.json()) as { error?: { code: string } } };
}

describe.skipIf(!browserTestsRun)('passkey step-up on the dashboard', () => {
  it('an admin requires it for critical requests; an approver registers a passkey, is refused without the confirmation, and decides after it', async () => {
    const seed = await harness.seedOrg(server.db, 'Step-up Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const alice = await memberWithPassword(server, seed, 'approver');

    // The admin's setting, on the organization page.
    const adminSide = await signedInPage(browser, BASE, admin);
    await adminSide.page.goto('/settings');
    const setting = adminSide.page.getByTestId('step-up-setting');
    await setting.getByLabel('critical').check();
    await setting.getByRole('button', { name: 'Save passkey confirmation' }).click();
    await setting.getByText('Saved.').waitFor();
    const { rows } = await server.db.query<{ p: string[] }>('SELECT step_up_priorities AS p FROM orgs WHERE id = $1', [seed.org.id]);
    expect(rows[0]!.p).toEqual(['critical']);
    await shot(adminSide.page, '40-step-up-setting');
    await adminSide.context.close();

    const critical = await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'Wire 2M to vendor', priority: 'critical' })).expect(201);
    const id = critical.body.id as string;

    // Alice registers a passkey on her account section.
    const { context, page } = await signedInPage(browser, BASE, alice);
    const authenticator = await virtualAuthenticator(page);
    await page.goto('/settings');
    const passkeys = page.getByTestId('passkeys');
    await passkeys.getByText('You have no passkey yet.').waitFor();
    await passkeys.getByLabel('Name').fill('Built-in');
    await passkeys.getByRole('button', { name: 'Register a passkey' }).click();
    await passkeys.getByTestId('passkey-list').getByText('Built-in', { exact: true }).waitFor();
    expect(await authenticator.credentials()).toHaveLength(1);
    await shot(page, '41-passkey-registered');

    // On the critical request: no decision buttons, the passkey confirmation instead; the server refuses the session's decision.
    await page.goto(`/requests/${id}`);
    await page.getByRole('heading', { name: 'Wire 2M to vendor' }).waitFor();
    await expect.poll(() => page.getByTestId('decide-refusal').textContent()).toContain('Confirm with your passkey');
    expect(await page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    const refused = await decideFromPage(page, id);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'STEP_UP_REQUIRED' } } });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'pending', current_approvals: 0 });
    await shot(page, '42-step-up-required');

    // The confirmation, then the decision.
    await page.getByRole('button', { name: 'Confirm with your passkey' }).click();
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByText('You approved this request.').waitFor();
    await shot(page, '43-decided-after-step-up');
    const decided = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(decided).toMatchObject({ status: 'approved', decided_by: alice.id });
    const list = (await (await page.context().request.get('/api/v1/me/passkeys')).json()) as { data: { last_used_at: string | null }[] };
    expect(list.data[0]!.last_used_at).not.toBeNull();
    await context.close();
  });
});
