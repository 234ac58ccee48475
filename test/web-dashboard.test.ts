/**
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core) against a real
 * Greenlight server in this process, serving apps/web's production build: sign in, live inbox,
 * decide, keys, emergency stop, OAuth consent, phone width, and inert hostile markdown.
 * Screenshots go to test-results/screenshots/ (CI keeps them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserTestsRun, fillSignIn, launchChromium, openContext, prepareDashboard, shot } from './browser.ts';
import { harness, startReceiver, type TestReceiver, createOrg, signedIn, authorizePath, memberWithPassword, pkcePair, registerClient, tokenRequest } from '@greenlight/server/testing';


let server: harness.TestServer;
let receiver: TestReceiver;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  [server, receiver, browser] = await Promise.all([
    harness.startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } }),
    startReceiver(),
    launchChromium(),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await server?.stop();
});

interface Signed {
  seed: harness.SeededOrg;
  user: { id: string; email: string; password: string };
  context: BrowserContext;
  page: Page;
}

/** A fresh org, an admin with a password, and a browser signed in through the real sign-in form. */
async function signIn(viewport = { width: 1280, height: 900 }): Promise<Signed> {
  const seed = await harness.seedOrg(server.db, 'Browser Org');
  const user = await memberWithPassword(server, seed, 'admin');
  const context = await openContext(browser, server.url, viewport);
  const page = await context.newPage();
  await page.goto('/');
  await expect.poll(() => new URL(page.url()).pathname).toBe('/sign-in');
  await fillSignIn(page, user);
  return { seed, user, context, page };
}


async function createRequest(key: string, body: Record<string, unknown>) {
  const res = await server.http(key).post('/api/v1/approvals').send(harness.approvalBody(body));
  expect(res.status).toBe(201);
  return res.body as { id: string; title: string };
}

/** The stream is open once the top bar says "live": only then is a create guaranteed to arrive live. */
const waitLive = (page: Page) => page.getByTestId('live-state').filter({ hasText: /^live$/ }).waitFor();

// Skipped only off CI on a machine without Chromium; CI installs it (.ci/run) and must run these.
describe.skipIf(!browserTestsRun)('the dashboard in Chromium', () => {
  it('first run: the one-time sign-in link leads to choosing a password, then to the dashboard', async () => {
    const slug = `first-${Date.now()}`;
    const { signInToken } = await createOrg(server.db, { slug, name: 'First Run', adminEmail: `${slug}@example.test` });
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto(`/sign-in/${signInToken}`);
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();
    await page.getByLabel(/New password/).fill('a long enough passphrase');
    await page.getByLabel('Repeat it').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.getByText(`${slug}@example.test`).waitFor();
    // The link works once.
    const again = await context.newPage();
    expect((await again.goto(`/sign-in/${signInToken}`))!.status()).toBe(410);
    await context.close();
  });

  it('signs in, shows a request created through the API without a reload, approves it with a comment and the callback arrives', async () => {
    const { seed, page, context } = await signIn();
    await shot(page, '01-signed-in-inbox');
    await waitLive(page);
    // Page scripts run in the browser; as strings, they need no DOM types in this Node project.
    await page.evaluate('window.noReload = true');

    const req = await createRequest(seed.key, {
      title: 'Deploy billing v2.4.0',
      priority: 'critical',
      expires_at: new Date(Date.now() + 2 * 3600_000).toISOString(),
      callback_url: `${receiver.url}/callback`,
      changes: { before: { version: '2.3.9' }, after: { version: '2.4.0' } },
      metadata: { ticket: 'OPS-42' },
    });
    const row = page.locator(`li[data-id="${req.id}"]`);
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('critical priority');
    await expect.poll(() => row.textContent()).toMatch(/expires in (2 hr|120 min|2 hours)/);
    // Same document: the row came over the event stream, not from a reload.
    expect(await page.evaluate('window.noReload')).toBe(true);
    await shot(page, '02-live-inbox');

    await row.getByRole('link', { name: 'Deploy billing v2.4.0' }).click();
    await page.getByRole('heading', { name: 'Deploy billing v2.4.0' }).waitFor();
    expect(await page.locator('table.diff').textContent()).toContain('2.3.9');
    expect(await page.locator('pre.json').textContent()).toContain('"ticket": "OPS-42"');
    await page.getByLabel(/Decision comment/).fill('Checked the rollout plan');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('You approved this request.').waitFor();
    await page.locator('[data-testid="timeline"] li[data-type="approval.approved"]').waitFor();
    await shot(page, '03-approved');

    const after = await server.http(seed.key).get(`/api/v1/approvals/${req.id}`).expect(200);
    expect(after.body).toMatchObject({ status: 'approved', decision_comment: 'Checked the rollout plan' });
    await receiver.until(() => receiver.received.some((r) => r.body.includes(req.id) && r.body.includes('approval.approved')), 15_000);
    const callback = JSON.parse(receiver.received.find((r) => r.body.includes(req.id))!.body) as {
      type: string;
      data: { details: { comment?: string } };
    };
    expect(callback.type).toBe('approval.approved');
    expect(callback.data.details.comment).toBe('Checked the rollout plan');
    await context.close();
  });

  it('rejects another request with a comment, and shows a refusal in plain words', async () => {
    const { seed, page, context } = await signIn();
    const req = await createRequest(seed.key, { title: 'Refund invoice 991', priority: 'medium' });
    await page.goto(`/requests/${req.id}`);
    await page.getByRole('heading', { name: 'Refund invoice 991' }).waitFor();
    await page.getByLabel(/Decision comment/).fill('Not without a ticket');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByText('You rejected this request.').waitFor();
    const after = await server.http(seed.key).get(`/api/v1/approvals/${req.id}`).expect(200);
    expect(after.body).toMatchObject({ status: 'rejected', decision_comment: 'Not without a ticket' });

    // A decision that loses a race (the request is withdrawn between the click and the server's answer)
    // is refused in words a person understands. The withdrawal happens as the click's PATCH leaves:
    // made before the click, the live stream could take the button away first.
    const stale = await createRequest(seed.key, { title: 'Rotate the root key', priority: 'high' });
    await page.goto(`/requests/${stale.id}`);
    await page.getByRole('button', { name: 'Approve' }).waitFor();
    await page.route(`**/api/v1/approvals/${stale.id}`, async (route) => {
      if (route.request().method() === 'PATCH') await server.http(seed.key).delete(`/api/v1/approvals/${stale.id}`).expect(200);
      await route.continue();
    });
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').filter({ hasText: 'This can’t be done any more' }).waitFor();
    await shot(page, '04-refusal');
    await context.close();
  });

  it('creates an API key that is shown once and works against the API, and revokes it', async () => {
    const { page, context } = await signIn();
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByLabel('Name').fill('ci-deploys');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent())!;
    expect(key).toMatch(/^gk_/);
    await page.getByRole('button', { name: 'Copy key' }).waitFor();
    await shot(page, '05-new-key');

    const me = await server.http(key).get('/api/v1/me').expect(200);
    expect(me.body.connection).toMatchObject({ name: 'ci-deploys', auth_type: 'api_key' });

    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('button', { name: 'Revoke ci-deploys' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Revoke ci-deploys' }).waitFor({ state: 'detached' });
    await server.http(key).get('/api/v1/me').expect(401);
    await context.close();
  });

  it('subscribes a webhook, shows its delivery with the attempt in the log, and redelivers it', async () => {
    const { seed, page, context } = await signIn();
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('New subscription').click();
    await page.getByLabel('URL').fill(`${receiver.url}/hook`);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    expect(await page.getByTestId('webhook-secret').textContent()).toMatch(/^whsec_/);

    const req = await createRequest(seed.key, { title: 'Webhook me' });
    await server.http((await seed.newKey()).key).patch(`/api/v1/approvals/${req.id}`).send({ decision: 'approve' }).expect(200);
    // The request has no callback_url: whatever arrives about it came through the subscription.
    await receiver.until(() => receiver.received.some((r) => r.body.includes(req.id) && r.body.includes('approval.approved')), 15_000);

    await page.getByRole('button', { name: 'Refresh' }).click();
    const delivery = page.locator('[data-testid="deliveries"] li').filter({ hasText: `${receiver.url}/hook` }).first();
    await delivery.getByText('1 attempt').waitFor();
    await delivery.getByText('Attempts').click();
    await delivery.locator('td', { hasText: /^200$/ }).waitFor();
    const before = receiver.received.length;
    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    await receiver.until(() => receiver.received.length > before, 15_000);
    await shot(page, '07-webhooks');
    await context.close();
  });

  it('turns the emergency stop on with a confirmation: creates are refused and the banner shows', async () => {
    const { seed, page, context } = await signIn();
    await page.getByRole('link', { name: 'Organization' }).click();
    await page.getByRole('button', { name: 'Turn the emergency stop on' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('emergency-banner').waitFor();
    expect(await page.getByTestId('stop-state').textContent()).toBe('on');

    const refused = await server.http(seed.key).post('/api/v1/approvals').send(harness.approvalBody({ title: 'During the stop' }));
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('EMERGENCY_STOP');
    // A fresh page load shows the banner too (it comes from the org, not from this tab's memory).
    await page.goto('/');
    await page.getByTestId('emergency-banner').waitFor();
    await shot(page, '06-emergency-stop');
    await context.close();
  });

  it('the banner follows the emergency stop live: another admin turns it on and off, and the open page shows it without a reload', async () => {
    const { seed, page, context } = await signIn();
    await waitLive(page);
    expect(await page.getByTestId('emergency-banner').count()).toBe(0);
    const otherAdmin = await signedIn(server, seed);
    await otherAdmin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    await page.getByTestId('emergency-banner').waitFor();
    await otherAdmin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    await page.getByTestId('emergency-banner').waitFor({ state: 'detached' });
    await context.close();
  });

  it('Organization says email and Slack are off, connects Slack (secrets never shown again), and turns it off', async () => {
    const { seed, page, context } = await signIn();
    await page.getByRole('link', { name: 'Organization' }).click();
    // Other chats' cards have fields of the same names (a Discord bot token, a Teams channel).
    const slack = page.getByRole('region', { name: 'Slack', exact: true });
    expect(await page.getByTestId('email-state').textContent()).toBe('off');
    expect(await page.getByTestId('slack-state').textContent()).toBe('off');
    expect(await page.getByTestId('slack-configured').textContent()).toBe('not configured');
    await slack.getByLabel('Bot token').fill('xoxb-1111-2222-browserbrowser');
    await slack.getByLabel('Signing secret').fill('browsersecret0123456789');
    await slack.getByLabel('Channel').fill('#approvals');
    await slack.getByLabel('Also send a direct message to each person asked to decide').check();
    await slack.getByRole('button', { name: 'Connect Slack' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await page.getByTestId('slack-configured').textContent()).toBe('configured');
    expect(await page.getByTestId('slack-channel').textContent()).toBe('#approvals');
    // The secrets are write-only: the form is empty again and the page never holds them.
    expect(await slack.getByLabel('Bot token').inputValue()).toBe('');
    expect(await page.content()).not.toContain('xoxb-1111-2222-browserbrowser');
    await page.reload();
    await page.getByTestId('slack-channel').waitFor();
    expect(await page.getByTestId('slack-state').textContent()).toBe('on');
    await shot(page, '06b-slack-settings');

    await slack.getByRole('button', { name: 'Turn Slack off' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => page.getByTestId('slack-configured').textContent()).toBe('not configured');
    const { rows } = await server.db.query('SELECT 1 FROM slack_settings WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(0);
    await context.close();
  });

  it('grants a connection on the consent page, and the grant is listed and works', async () => {
    const { seed, page, context } = await signIn();
    const redirectUri = 'http://127.0.0.1:9/oauth/callback';
    const client = await registerClient(server, seed, { name: 'Zapier', redirectUris: [redirectUri] });
    const { verifier, challenge } = pkcePair();
    // The client's redirect target does not exist; the browser's navigation to it is answered here.
    let code: string | null = null;
    await page.route('http://127.0.0.1:9/**', (route) => {
      code = new URL(route.request().url()).searchParams.get('code');
      return route.fulfill({ status: 200, contentType: 'text/plain', body: 'connected' });
    });
    await page.goto(
      authorizePath({ client_id: client.clientId, redirect_uri: redirectUri, scope: 'approvals:read', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    await page.getByRole('heading', { name: 'Connect Zapier' }).waitFor();
    // The consent page wears the dashboard's stylesheet.
    expect(await page.evaluate("getComputedStyle(document.querySelector('main')).borderRadius")).toBe('12px');
    await shot(page, '08-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    // The redirect's navigation must have finished: a later page.goto would otherwise interrupt it.
    await page.waitForURL((url) => url.origin === 'http://127.0.0.1:9', { timeout: 10_000 });
    await expect.poll(() => code, { timeout: 10_000 }).not.toBeNull();

    const token = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: redirectUri,
      client_id: client.clientId,
      client_secret: client.clientSecret,
      code_verifier: verifier,
    });
    expect(token.status).toBe(200);
    await server.http(token.body.access_token as string).get('/api/v1/me').expect(200);

    await page.goto('/connections');
    // The grant's own card: the OAuth clients card names Zapier as well once it has loaded.
    await page.getByRole('region', { name: 'OAuth connections' }).locator('table').filter({ hasText: 'Zapier' }).waitFor();
    await context.close();
  });

  it('at phone width (390×844) the inbox and the decision buttons are usable', async () => {
    const { seed, page, context } = await signIn({ width: 390, height: 844 });
    const req = await createRequest(seed.key, { title: 'Pay invoice 2026-117 to ACME Supplies', priority: 'high' });
    await page.reload();
    const row = page.locator(`li[data-id="${req.id}"]`);
    await row.waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    const decide = row.getByRole('button', { name: /^Decide/ });
    const box = (await decide.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.height).toBeGreaterThanOrEqual(40);
    await shot(page, '09-phone-inbox');

    await decide.tap();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Decision comment/).fill('ok from my phone');
    const approve = dialog.getByRole('button', { name: 'Approve' });
    const approveBox = (await approve.boundingBox())!;
    expect(approveBox.x + approveBox.width).toBeLessThanOrEqual(390);
    await shot(page, '10-phone-decide');
    await approve.tap();
    await expect.poll(async () => (await server.http(seed.key).get(`/api/v1/approvals/${req.id}`)).body.status).toBe('approved');
    await context.close();
  });

  it('renders a hostile description inert: no script runs, javascript: links lose their href', async () => {
    const { seed, page, context } = await signIn();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const req = await createRequest(seed.key, {
      title: 'Hostile markdown',
      description: [
        '# Heading',
        '<script>window.__xss = "script"; alert("script")</script>',
        '[click me](javascript:alert("md-link"))',
        '<a href="javascript:alert(\'html-link\')" id="raw">raw link</a>',
        '<img src="x" onerror="window.__xss = \'img\'; alert(\'img\')">',
        '[safe](https://example.com/docs)',
      ].join('\n\n'),
    });
    await page.goto(`/requests/${req.id}`);
    const description = page.getByTestId('description');
    await description.waitFor();
    expect(await description.locator('h1').textContent()).toBe('Heading');
    expect(await description.locator('script').count()).toBe(0);
    expect(await description.locator('[onerror]').count()).toBe(0);

    const hrefs = await description.locator('a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
    expect(hrefs).toEqual([
      ['click me', null],
      ['raw link', null],
      ['safe', 'https://example.com/docs'],
    ]);
    await description.getByText('click me').click();
    await description.getByText('raw link').click();
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await shot(page, '11-hostile-markdown');
    await context.close();
  });
});

describe.skipIf(!browserTestsRun)('how the server serves the dashboard', () => {
  it('sends people without a session to the sign-in form and back; unknown paths stay 404 JSON', async () => {
    const id = '3f0a1c9e-5b2d-4f6a-8c7e-9b1d3f5a7c9e';
    const page = await server.http().get(`/requests/${id}?x=1`).redirects(0);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe(`/sign-in?return_to=${encodeURIComponent(`/requests/${id}?x=1`)}`);
    const unknown = await server.http().get('/no-such-page');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    await server.http().get('/dashboard/session').expect(401);
    const css = await server.http().get('/greenlight.css').expect(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
  });

  it("serves index.html with the session's CSRF token and a CSP that allows only its own scripts", async () => {
    const seed = await harness.seedOrg(server.db);
    const session = await signedIn(server, seed);
    const res = await session.http().get('/connections').expect(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self';");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain(`<meta name="csrf-token" content="${session.csrf}">`);
    const dev = await session.http().get('/dashboard/session').expect(200);
    expect(dev.body).toEqual({ csrf_token: session.csrf });
  });
});
