/**
 * SCIM provisioning in the organization settings, in a real browser: an admin creates the token (shown
 * once), the identity provider provisions with it, and revoking it refuses the provider at once.
 */
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { browserTestsRun, shot, signedInPage, useDashboard } from './browser.ts';
import { harness, memberWithPassword } from '@greenlight/server/testing';

let server: harness.TestServer;
let browser: Browser;

useDashboard((s, b) => ([server, browser] = [s, b]));

describe.skipIf(!browserTestsRun)('SCIM provisioning in the settings', () => {
  it('an admin creates the SCIM token, the identity provider uses it, and revoking it stops the provider', async () => {
    const seed = await harness.seedOrg(server.db, 'Scim Org');
    const admin = await memberWithPassword(server, seed, 'admin');
    const { context, page } = await signedInPage(browser, server.url, admin);

    await page.goto('/settings');
    await expect.poll(() => page.getByTestId('scim-state').textContent()).toBe('off');
    expect(await page.getByTestId('scim-base-url').textContent()).toMatch(/\/scim\/v2$/);
    await page.getByLabel('Provisioned people join as').selectOption('viewer');
    await page.getByRole('button', { name: 'Create a SCIM token' }).click();
    const token = (await page.getByTestId('scim-token').textContent())!;
    expect(token).toMatch(/^gl_scim_[0-9a-f]{64}$/);
    await expect.poll(() => page.getByTestId('scim-state').textContent()).toBe('on');
    await shot(page, '60-scim-token');

    const scim = () => server.http(token);
    await scim()
      .post('/scim/v2/Users')
      .set('Content-Type', 'application/scim+json')
      .send(JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ida@example.test', active: true }))
      .expect(201);
    const role = await server.db.query<{ role: string }>(
      'SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND u.email = $2',
      [seed.org.id, 'ida@example.test'],
    );
    expect(role.rows).toEqual([{ role: 'viewer' }]);

    await page.getByRole('button', { name: 'Revoke the SCIM token' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.getByTestId('scim-state').textContent()).toBe('off');
    await scim().get('/scim/v2/Users').expect(401);
    await context.close();
  });
});
