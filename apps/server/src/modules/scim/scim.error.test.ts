/**
 * SCIM's refusals, each in SCIM's error schema (RFC 7644 §3.12: `status` a string, `scimType` for a
 * 400 and 409) with SCIM's media type, never the API's envelope and never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { ERROR_SCHEMA, PATCH_OP, SCIM_JSON, scimClient, scimWith, USER_SCHEMA, type ScimClient } from '../../testing/scim.ts';

let server: TestServer;
let scim: ScimClient;
let userId: string;
beforeAll(async () => {
  server = await startTestServer();
  const seed = await seedOrg(server.db);
  scim = await scimClient(server, seed);
  userId = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'taken@example.test', externalId: 'ext-1', active: true }).expect(201)).body.id;
});
afterAll(() => server.stop());

function expectScimError(res: supertest.Response, status: number, scimType?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
  expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.body.status).toBe(String(status));
  if (scimType) expect(res.body.scimType).toBe(scimType);
  // RFC 7644 §3.12 gives a scimType to 400 and 409 only.
  if (status === 401 || status === 404) expect(res.body).not.toHaveProperty('scimType');
  expect(typeof res.body.detail).toBe('string');
  expect(res.body).not.toHaveProperty('error');
}

describe('SCIM errors', () => {
  it('a filter that cannot be parsed is 400 invalidFilter', async () => {
    for (const filter of ['userName eq', 'userName eq "a" and', 'emails[type eq "work"', 'userName zz "a"', '(userName eq "a"', 'x'.repeat(1001)]) {
      expectScimError(await scim.get(`/Users?filter=${encodeURIComponent(filter)}`), 400, 'invalidFilter');
    }
    expectScimError(await scim.get(`/Groups?filter=${encodeURIComponent('displayName eq')}`), 400, 'invalidFilter');
    expectScimError(await scim.get('/Users?filter=a&filter=b'), 400, 'invalidValue');
    expectScimError(await scim.get('/Users?count=many'), 400, 'invalidValue');
  });

  it('an unknown user or group is 404, whatever the id looks like', async () => {
    for (const id of ['0b7c2f1e-1111-4222-8333-944455556666', 'not-a-uuid', "'; DROP TABLE users; --"]) {
      expectScimError(await scim.get(`/Users/${encodeURIComponent(id)}`), 404);
      expectScimError(await scim.put(`/Users/${encodeURIComponent(id)}`, { userName: 'x@example.test' }), 404);
      expectScimError(await scim.patch(`/Users/${encodeURIComponent(id)}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }), 404);
      expectScimError(await scim.delete(`/Users/${encodeURIComponent(id)}`), 404);
      expectScimError(await scim.get(`/Groups/${encodeURIComponent(id)}`), 404);
      expectScimError(await scim.delete(`/Groups/${encodeURIComponent(id)}`), 404);
    }
    expectScimError(await scim.get('/Nothing'), 404);
  });

  it('a duplicate userName (any case) or externalId is 409 uniqueness, and a duplicate group name too', async () => {
    expectScimError(await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'TAKEN@example.test', active: true }), 409, 'uniqueness');
    expectScimError(await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'other@example.test', externalId: 'ext-1', active: true }), 409, 'uniqueness');
    const second = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'second@example.test', active: true }).expect(201)).body.id;
    expectScimError(await scim.patch(`/Users/${second}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 'taken@example.test' }] }), 409, 'uniqueness');
    await scim.post('/Groups', { displayName: 'Ops' }).expect(201);
    expectScimError(await scim.post('/Groups', { displayName: 'ops' }), 409, 'uniqueness');
  });

  it('a missing, malformed, unknown or revoked token is 401 with a challenge, in SCIM form', async () => {
    const agent = supertest(server.url);
    const noHeader = await agent.get('/scim/v2/Users');
    expectScimError(noHeader, 401);
    expect(noHeader.headers['www-authenticate']).toMatch(/^Bearer/);
    expectScimError(await scimWith(server, 'gl_scim_' + '0'.repeat(64)).get('/Users'), 401);
    expectScimError(await scimWith(server, 'nonsense').get('/ServiceProviderConfig'), 401);
    expectScimError(await agent.get('/scim/v2/Users').set('Authorization', 'Basic dXNlcjpwYXNz'), 401);
  });

  it('bad bodies are 400 with the right scimType, never a 500', async () => {
    const raw = await supertest(server.url).post('/scim/v2/Users').set('Authorization', `Bearer ${scim.token}`).set('Content-Type', SCIM_JSON).send('{"userName": ');
    expectScimError(raw, 400, 'invalidSyntax');
    expectScimError(await scim.post('/Users', { schemas: [USER_SCHEMA] }), 400, 'invalidValue');
    expectScimError(await scim.post('/Users', { userName: 'not an email' }), 400, 'invalidValue');
    expectScimError(await scim.post('/Users', { userName: 'a@example.test', active: 'maybe' }), 400, 'invalidValue');
    expectScimError(await scim.post('/Users', [1, 2]), 400, 'invalidValue');
    expectScimError(await scim.post('/Users', null), 400);
    expectScimError(await scim.post('/Groups', { displayName: '' }), 400, 'invalidValue');
    expectScimError(await scim.post('/Groups', { displayName: 'g', members: [{ value: 'nope' }] }), 400, 'invalidValue');
  });

  it('bad PATCH requests are 400: no operations, an unknown op, a bad path, a missing value, a prototype path', async () => {
    const patch = (body: unknown) => scim.patch(`/Users/${userId}`, body);
    expectScimError(await patch({ schemas: [PATCH_OP] }), 400, 'invalidSyntax');
    expectScimError(await patch({ schemas: [PATCH_OP], Operations: [] }), 400, 'invalidSyntax');
    expectScimError(await patch({ schemas: [PATCH_OP], Operations: [{ op: 'merge', path: 'active', value: true }] }), 400, 'invalidSyntax');
    expectScimError(await patch({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }] }), 400);
    expectScimError(await patch({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active' }] }), 400, 'invalidValue');
    expectScimError(await patch({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: '__proto__.polluted', value: 'yes' }] }), 400, 'invalidPath');
    expectScimError(await patch({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'perhaps' }] }), 400, 'invalidValue');
    expectScimError(await patch({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'userName', value: 42 }] }), 400, 'invalidValue');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Nothing changed.
    expect((await scim.get(`/Users/${userId}`).expect(200)).body).toMatchObject({ userName: 'taken@example.test', active: true });
  });
});
