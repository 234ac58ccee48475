/**
 * The request sequences Okta and Microsoft Entra ID send, as their SCIM 2.0 documentation records them
 * (Okta: "SCIM 2.0 protocol reference"; Microsoft: "Tutorial: Develop and plan provisioning for a SCIM
 * endpoint", its request/response examples), against a real server: create, filter, patch, deactivate,
 * reactivate, delete, and group membership.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { GROUP_SCHEMA, PATCH_OP, SCIM_JSON, scimClient, USER_SCHEMA } from '../../testing/scim.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const q = (filter: string) => `?filter=${encodeURIComponent(filter)}`;

describe('SCIM as Okta sends it', () => {
  it('looks a user up, creates them, reads them, deactivates with a value-only replace, and updates with PUT', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed);

    const none = await scim.get(`/Users${q('userName eq "test.user@okta.local"')}&startIndex=1&count=100`).expect(200);
    expect(none.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(none.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });

    const created = await scim
      .post('/Users', {
        schemas: [USER_SCHEMA],
        userName: 'test.user@okta.local',
        name: { givenName: 'Test', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Test User',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      })
      .expect(201);
    const id = created.body.id as string;
    expect(created.headers.location).toBe(`${server.deps.config.publicUrl}/scim/v2/Users/${id}`);
    expect(created.body).toMatchObject({
      schemas: [USER_SCHEMA],
      id,
      externalId: '00ujl29u0le5T6Aj10h7',
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User', formatted: 'Test User' },
      displayName: 'Test User',
      emails: [{ value: 'test.user@okta.local', type: 'work', primary: true }],
      active: true,
      meta: { resourceType: 'User', location: created.headers.location },
    });
    expect(created.body).not.toHaveProperty('password');
    // The person is a member with the token's default role, and got a sign-in link (no password yet).
    const member = await server.db.query<{ role: string }>('SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2', [seed.org.id, id]);
    expect(member.rows).toEqual([{ role: 'approver' }]);

    const found = await scim.get(`/Users${q('userName eq "Test.User@okta.local"')}`).expect(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(id);
    expect((await scim.get(`/Users/${id}`).expect(200)).body).toEqual(created.body);

    const deactivated = await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
    expect(deactivated.body.active).toBe(false);
    expect((await server.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [seed.org.id, id])).rows).toEqual([]);
    // Still a User of the org for the identity provider, inactive.
    expect((await scim.get(`/Users${q('active eq false')}`).expect(200)).body.Resources.map((u: { id: string }) => u.id)).toEqual([id]);

    const reactivated = await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] }).expect(200);
    expect(reactivated.body.active).toBe(true);
    expect((await server.db.query('SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2', [seed.org.id, id])).rows).toEqual([{ role: 'approver' }]);

    const put = await scim
      .put(`/Users/${id}`, {
        schemas: [USER_SCHEMA],
        id,
        userName: 'test.user@okta.local',
        name: { givenName: 'Another', familyName: 'User' },
        emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
        displayName: 'Another User',
        externalId: '00ujl29u0le5T6Aj10h7',
        active: true,
      })
      .expect(200);
    expect(put.body).toMatchObject({ name: { givenName: 'Another', formatted: 'Another User' }, displayName: 'Another User', active: true });
    // The account is this org's alone: its name follows the directory.
    expect((await server.db.query('SELECT name FROM users WHERE id = $1', [id])).rows).toEqual([{ name: 'Another User' }]);

    const audit = await server.db.query<{ type: string; actor_name: string }>(
      "SELECT type, actor_name FROM audit_log WHERE org_id = $1 AND type LIKE 'member.%' ORDER BY created_at, id",
      [seed.org.id],
    );
    expect(audit.rows).toEqual([
      { type: 'member.added', actor_name: 'scim' },
      { type: 'member.deactivated', actor_name: 'scim' },
      { type: 'member.added', actor_name: 'scim' },
      { type: 'member.reactivated', actor_name: 'scim' },
    ]);
  });

  it('pushes a group: create, rename by value-only replace, add and remove members, delete', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed);
    const user = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'grace@okta.local', name: { givenName: 'Grace', familyName: 'Hopper' }, active: true }).expect(201)).body;

    const group = (await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] }).expect(201)).body;
    expect(group).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [], meta: { resourceType: 'Group' } });
    expect((await server.db.query('SELECT name FROM teams WHERE id = $1', [group.id])).rows).toEqual([{ name: 'Test SCIMv2' }]);

    const renamed = await scim
      .patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { id: group.id, displayName: 'Test SCIMv2 renamed' } }] })
      .expect(200);
    expect(renamed.body.displayName).toBe('Test SCIMv2 renamed');

    const added = await scim
      .patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: user.id, display: 'grace@okta.local' }] }] })
      .expect(200);
    expect(added.body.members).toEqual([{ value: user.id, display: 'Grace Hopper', $ref: `${server.deps.config.publicUrl}/scim/v2/Users/${user.id}` }]);
    expect((await server.db.query('SELECT user_id FROM team_members WHERE team_id = $1', [group.id])).rows).toEqual([{ user_id: user.id }]);

    const removed = await scim.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${user.id}"]` }] }).expect(200);
    expect(removed.body.members).toEqual([]);

    await scim.delete(`/Groups/${group.id}`).expect(204);
    await scim.get(`/Groups/${group.id}`).expect(404);
    expect((await server.db.query('SELECT 1 FROM teams WHERE id = $1', [group.id])).rows).toEqual([]);
  });
});

describe('SCIM as Microsoft Entra ID sends it', () => {
  it('creates with the enterprise extension, filters by externalId and work email, patches by path with capitalised ops, disables with "False", deletes', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed, 'viewer');

    await scim.get(`/Users${q('userName eq "Test_User_ab6490ee@testuser.com"')}`).expect(200);
    const created = await scim
      .post('/Users', {
        schemas: [USER_SCHEMA, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
        userName: 'Test_User_ab6490ee@testuser.com',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Finance' },
      })
      .expect(201);
    const id = created.body.id as string;
    expect((await server.db.query('SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2', [seed.org.id, id])).rows).toEqual([{ role: 'viewer' }]);

    expect((await scim.get(`/Users${q('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`).expect(200)).body.Resources[0].id).toBe(id);
    expect((await scim.get(`/Users${q('emails[type eq "work"].value eq "test_user_fd0ea19b@testuser.com"')}`).expect(200)).body.totalResults).toBe(1);
    expect((await scim.get(`/Users${q('emails[type eq "home"].value eq "Test_User_fd0ea19b@testuser.com"')}`).expect(200)).body.totalResults).toBe(0);
    expect(
      (await scim.get(`/Users${q('userName eq "Test_User_ab6490ee@testuser.com" and externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`).expect(200)).body.totalResults,
    ).toBe(1);
    expect((await scim.get(`/Users${q('userName eq "nobody@testuser.com" or externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`).expect(200)).body.totalResults).toBe(1);

    const patched = await scim
      .patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
          { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
          { op: 'Add', path: 'name.givenName', value: 'updatedGivenName' },
        ],
      })
      .expect(200);
    expect(patched.body).toMatchObject({ emails: [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }], name: { familyName: 'updatedFamilyName', givenName: 'updatedGivenName' } });

    const renamed = await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userName', value: 'renamed@testuser.com' }] }).expect(200);
    expect(renamed.body.userName).toBe('renamed@testuser.com');
    expect((await server.db.query('SELECT email FROM users WHERE id = $1', [id])).rows).toEqual([{ email: 'renamed@testuser.com' }]);

    const disabled = await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }).expect(200);
    expect(disabled.body.active).toBe(false);
    expect((await server.db.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [seed.org.id, id])).rows).toEqual([]);

    const res = await scim.delete(`/Users/${id}`).expect(204);
    expect(res.text).toBe('');
    await scim.get(`/Users/${id}`).expect(404);
    expect((await scim.get('/Users').expect(200)).body.Resources.map((u: { id: string }) => u.id)).not.toContain(id);
  });

  it('manages a group: create, find by displayName without members, add and remove members both ways, rename, delete', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed);
    const a = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'a@contoso.test', active: true }).expect(201)).body;
    const b = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'b@contoso.test', active: true }).expect(201)).body;

    const group = (
      await scim
        .post('/Groups', {
          schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
          externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
          displayName: 'Payments approvers',
          meta: { resourceType: 'Group' },
        })
        .expect(201)
    ).body;
    expect(group.externalId).toBe('8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');

    const listed = await scim.get(`/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "payments approvers"')}`).expect(200);
    expect(listed.body.totalResults).toBe(1);
    expect(listed.body.Resources[0]).not.toHaveProperty('members');
    expect(listed.body.Resources[0].id).toBe(group.id);

    await scim
      .patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: a.id }, { $ref: null, value: b.id }] }] })
      .expect(200);
    await scim.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: a.id }] }] }).expect(200);
    const after = await scim.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: `members[value eq "${b.id}"]` }] }).expect(200);
    expect(after.body.members).toEqual([]);
    await scim.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: b.id }] }] }).expect(200);

    const renamed = await scim.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Payments' }] }).expect(200);
    expect(renamed.body).toMatchObject({ displayName: 'Payments', members: [{ value: b.id }] });

    const audit = await server.db.query<{ type: string }>("SELECT type FROM audit_log WHERE org_id = $1 AND type LIKE 'team.%' ORDER BY created_at, id", [seed.org.id]);
    expect(audit.rows.map((r) => r.type)).toEqual(['team.created', 'team.member_added', 'team.member_added', 'team.member_removed', 'team.member_removed', 'team.member_added', 'team.renamed']);

    await scim.delete(`/Groups/${group.id}`).expect(204);
    expect((await scim.get('/Groups').expect(200)).body.totalResults).toBe(0);
  });

  it('reads the discovery endpoints a connector reads first', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed);
    const config = await scim.get('/ServiceProviderConfig').expect(200);
    expect(config.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(config.body).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false }, authenticationSchemes: [{ type: 'oauthbearertoken' }] });
    const types = (await scim.get('/ResourceTypes').expect(200)).body;
    expect(types.Resources.map((t: { endpoint: string }) => t.endpoint)).toEqual(['/Users', '/Groups']);
    const schemas = (await scim.get('/Schemas').expect(200)).body;
    expect(schemas.Resources.map((s: { id: string }) => s.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA]);
    expect((await scim.get(`/Schemas/${USER_SCHEMA}`).expect(200)).body.attributes.map((a: { name: string }) => a.name)).toContain('userName');
  });

  it('lists members an admin added in the dashboard, pages with startIndex and count', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed);
    for (let i = 0; i < 4; i++) await seed.addUser('approver', `page-${i}@example.test`);
    const all = (await scim.get('/Users').expect(200)).body;
    expect(all.totalResults).toBe(5);
    const page = (await scim.get('/Users?startIndex=2&count=2').expect(200)).body;
    expect(page).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect(page.Resources.map((u: { id: string }) => u.id)).toEqual(all.Resources.slice(1, 3).map((u: { id: string }) => u.id));
    expect((await scim.get('/Users?startIndex=0&count=0').expect(200)).body).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 0 });
  });
});

describe('the SCIM token', () => {
  it('is shown once, hashed at rest, and its settings say when it was last used', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    expect((await admin.http().get('/api/v1/org/scim').expect(200)).body).toEqual({ enabled: false, base_url: `${server.deps.config.publicUrl}/scim/v2`, token: null });
    const created = (await admin.http().post('/api/v1/org/scim/token').send({}).expect(201)).body;
    expect(created.secret).toMatch(/^gl_scim_[0-9a-f]{64}$/);
    expect(created.token).toMatchObject({ prefix: created.secret.slice(0, 14), default_role: 'approver', last_used_at: null });
    const stored = await server.db.query<{ token_hash: string }>('SELECT token_hash FROM scim_tokens WHERE org_id = $1', [seed.org.id]);
    expect(stored.rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.rows[0]!.token_hash).not.toContain(created.secret.slice(8));
    await (await import('supertest')).default(server.url).get('/scim/v2/Users').set('Authorization', `Bearer ${created.secret}`).expect(200).expect('Content-Type', new RegExp(SCIM_JSON.replace('+', '\\+')));
    const settings = (await admin.http().get('/api/v1/org/scim').expect(200)).body;
    expect(settings).toMatchObject({ enabled: true, token: { prefix: created.token.prefix } });
    expect(settings.token.last_used_at).not.toBeNull();
    expect(JSON.stringify(settings)).not.toContain(created.secret);
  });
});
