/**
 * Single sign-on in a real browser, through the real pages: an admin sets up the org's OpenID Connect
 * provider in the settings form; then a person who has no account signs in from the sign-in page's
 * "Sign in with SSO" (the org found by its email domain), through a real provider (oidc-provider on
 * loopback), and lands on the dashboard as a member who joined with the chosen role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, fillSignIn, launchChromium, openContext, prepareDashboard, shot } from './browser.ts';
import { harness, idpAccount, memberWithPassword, startSsoWorld, type SsoWorld } from '@greenlight/server/testing';

let world: SsoWorld;
let browser: Browser;

beforeAll(async () => {
  if (!browserTestsRun) return;
  prepareDashboard();
  [world, browser] = await Promise.all([startSsoWorld(), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

describe.skipIf(!browserTestsRun)('single sign-on in the browser', () => {
  it('an admin sets SSO up in the settings; a new person signs in with it from the sign-in page', async () => {
    const { server, idp } = world;
    const seed = await harness.seedOrg(server.db, 'SSO Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const domain = `sso-${Date.now()}.example`;

    const adminContext = await openContext(browser, server.url);
    const page = await adminContext.newPage();
    await page.goto('/sign-in');
    await fillSignIn(page, admin);
    await page.goto('/settings');
    const form = page.getByRole('form', { name: 'SSO settings' });
    await expect.poll(() => page.getByTestId('sso-configured').textContent()).toBe('not configured');
    await form.getByLabel('Issuer URL').fill(idp.issuer);
    await form.getByLabel('Client ID').fill(idp.clientId);
    await form.getByLabel('Client secret').fill(idp.clientSecret);
    await form.getByLabel('Role of people who join by signing in').selectOption('approver');
    await form.getByLabel('Email domains').fill(domain);
    await form.getByRole('button', { name: 'Set up SSO' }).click();
    await expect.poll(() => page.getByTestId('sso-configured').textContent()).toBe('configured');
    await expect.poll(() => form.getByLabel('Client secret').inputValue()).toBe('');
    await expect.poll(() => page.getByTestId('sso-status').textContent()).toContain('Single sign-on is on');
    await shot(page, '50-sso-settings');
    await adminContext.close();

    const person = idpAccount(world, { email: `dana@${domain}`, name: 'Dana' });
    idp.signInAs(person.sub);
    const context = await openContext(browser, server.url);
    const visitor = await context.newPage();
    await visitor.goto('/sign-in');
    await visitor.getByRole('link', { name: 'Sign in with SSO' }).click();
    await visitor.getByLabel('Organization or work email').fill(person.email!);
    await visitor.getByRole('button', { name: 'Continue' }).click();
    await visitor.getByRole('link', { name: "Continue to SSO Org's sign-in" }).click();
    await visitor.getByRole('heading', { name: 'Inbox' }).waitFor();
    expect(idp.requests).toContain('/token');

    const me = (await visitor.evaluate(async () => (await fetch('/api/v1/me')).json())) as { user: unknown; org: { id: string } };
    expect(me.user).toMatchObject({ email: person.email, role: 'approver' });
    expect(me.org.id).toBe(seed.org.id);
    await shot(visitor, '51-signed-in-with-sso');
    await context.close();
  });
});
