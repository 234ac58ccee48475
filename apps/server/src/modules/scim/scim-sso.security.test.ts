/**
 * SCIM and single sign-on together: a person the identity provider deactivated cannot come back by
 * signing in with the same provider (SSO joins only unknown emails just in time), and after their
 * reactivation they sign in again as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idpAccount, signInWithSso, ssoOrg, startSsoWorld, type SsoWorld } from '../../testing/sso-world.ts';
import { PATCH_OP, scimClient, USER_SCHEMA } from '../../testing/scim.ts';

let world: SsoWorld;
beforeAll(async () => {
  world = await startSsoWorld();
});
afterAll(() => world.stop());

describe('SCIM deactivation with SSO on', () => {
  it('a deactivated person is refused by SSO sign-in, and signs in again once reactivated', async () => {
    const { seed } = await ssoOrg(world);
    const scim = await scimClient(world.server, seed);
    const account = idpAccount(world);
    const user = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: account.email, externalId: account.sub, active: true }).expect(201)).body;

    const first = await signInWithSso(world, seed.org.slug, account.sub);
    expect(first.session).toBeDefined();

    await scim.patch(`/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }).expect(200);
    const refused = await signInWithSso(world, seed.org.slug, account.sub);
    expect(refused.session).toBeUndefined();
    expect(refused.callback.status).toBeGreaterThanOrEqual(400);
    expect((await world.server.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [seed.org.id, user.id])).rows).toEqual([]);

    await scim.patch(`/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] }).expect(200);
    const again = await signInWithSso(world, seed.org.slug, account.sub);
    expect(again.session).toBeDefined();
  });
});
