/**
 * Who may resolve through the KaireonAI API: its document says admin only, and the contract's route
 * says so (as for every Greenlight route, an API key, which only admins issue, counts as one). The
 * core's rules still apply on top: four-eyes, steps that do not ask the admin, another tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { grantAccessToken, memberWithPassword } from '../../testing/oauth.ts';
import { SCOPES } from '@greenlight/contract';

const BASE = '/kaireon/api/v1';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
}, 60_000);
afterAll(() => server?.stop());

const ENTITY = { entityType: 'qualificationRule', entityId: 'qr_001', entityName: 'Credit Score Rule', action: 'update', payload: { config: { threshold: 650 } } };
const create = async (key = seed.key) => (await server.http(key).post(`${BASE}/approvals`).send(ENTITY).expect(201)).body.id as string;
const state = async (id: string) => (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;

describe('POST /approvals/{id} (resolve) is admin only', () => {
  it.each([
    ['an approver signed in', async () => ({ cookie: await signedIn(server, seed, 'approver') })],
    ['a viewer signed in', async () => ({ cookie: await signedIn(server, seed, 'viewer') })],
    ["an approver's OAuth grant", async () => ({ token: await grantAccessToken(server, seed, await memberWithPassword(server, seed, 'approver'), SCOPES) })],
  ])('%s → 403, and the request stays pending', async (_who, principal) => {
    const id = await create();
    const p = await principal();
    const req = 'cookie' in p ? p.cookie!.http().post(`${BASE}/approvals/${id}`) : server.http(p.token).post(`${BASE}/approvals/${id}`);
    const res = await req.send({ action: 'approve', comments: 'not mine to say' }).expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(res.body.error.message).toMatch(/^only admins can do this; you are (approver|viewer)$/);
    expect(await state(id)).toMatchObject({ status: 'pending', current_approvals: 0 });
  });

  it('an admin signed in resolves', async () => {
    const id = await create();
    const res = await (await signedIn(server, seed)).http().post(`${BASE}/approvals/${id}`).send({ action: 'approve' }).expect(200);
    expect(res.body).toMatchObject({ id, status: 'approved', approverId: seed.admin.id });
  });

  it("an admin's OAuth grant resolves", async () => {
    const id = await create();
    const token = await grantAccessToken(server, seed, await memberWithPassword(server, seed, 'admin'), SCOPES);
    await server.http(token).post(`${BASE}/approvals/${id}`).send({ action: 'reject' }).expect(200);
    expect((await state(id)).status).toBe('rejected');
  });

  it('an API key (only admins issue them) resolves, as it decides on every route', async () => {
    const id = await create();
    const other = await seed.newKey();
    await server.http(other.key).post(`${BASE}/approvals/${id}`).send({ action: 'approve' }).expect(200);
    expect((await state(id)).status).toBe('approved');
  });

  it('a key without approvals:write → 403 INSUFFICIENT_SCOPE', async () => {
    const id = await create();
    const { key } = await seed.newKey({ scopes: ['approvals:read'] });
    const res = await server.http(key).post(`${BASE}/approvals/${id}`).send({ action: 'approve' }).expect(403);
    expect(res.body.error.code).toBe('INSUFFICIENT_SCOPE');
  });
});

describe("the core's rules hold through this API", () => {
  it('four-eyes: an admin cannot approve what they asked for themselves (rejecting it is fine)', async () => {
    const admin = await signedIn(server, seed);
    const id = (await admin.http().post(`${BASE}/approvals`).send(ENTITY).expect(201)).body.id;
    const res = await admin.http().post(`${BASE}/approvals/${id}`).send({ action: 'approve' }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN', details: { reason: 'requester' } });
    await admin.http().post(`${BASE}/approvals/${id}`).send({ action: 'reject' }).expect(200);
  });

  it('a step that does not ask the admin: refused without the admin override, as in the v1 API', async () => {
    const id = await create();
    const member = await seed.addUser('approver');
    await server.http(seed.key).post(`/api/v1/approvals/${id}/steps`).send({ steps: [{ approver_id: member.id, step_order: 1 }] }).expect(201);
    const res = await (await signedIn(server, seed)).http().post(`${BASE}/approvals/${id}`).send({ action: 'approve' }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'NOT_APPROVER', details: { reason: 'admin_override_off' } });
    expect((await state(id)).status).toBe('pending');
  });

  it("another organization's request is not found, whoever asks", async () => {
    const other = await seedOrg(server.db, 'Other');
    const theirs = await create(other.key);
    const path = `${BASE}/approvals/${theirs}`;
    expect((await server.http(seed.key).get(path).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await server.http(seed.key).post(path).send({ action: 'approve' }).expect(404)).body.error.code).toBe('NOT_FOUND');
    expect((await server.http(seed.key).get(`${BASE}/approvals`).expect(200)).body.map((a: { id: string }) => a.id)).not.toContain(theirs);
  });

  it.each([
    ['GET', '/approvals'],
    ['POST', '/approvals'],
    ['GET', '/approvals/{id}'],
    ['POST', '/approvals/{id}'],
  ])('%s %s naming another tenant in X-Tenant-Id → 403, nothing done', async (method, path) => {
    const id = await create();
    const other = await seedOrg(server.db, 'Elsewhere');
    const url = `${BASE}${path.replace('{id}', id)}`;
    const req = method === 'GET' ? server.http(seed.key).get(url) : server.http(seed.key).post(url);
    const res = await req.set('X-Tenant-Id', other.org.slug).send(path === '/approvals' ? ENTITY : { action: 'approve' }).expect(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: `X-Tenant-Id names another tenant: this credential acts in the organization "${seed.org.slug}"` });
    expect((await state(id)).status).toBe('pending');
  });
});
