/**
 * The KaireonAI approvals API document (shared/spec/kaireon-approvals-api-v1.txt), example by example,
 * against a real server at its base URL `/kaireon/api/v1`: each request sent as written (the curl
 * example's headers and body; an API key added, since Greenlight needs a credential), each documented
 * response field checked by name and type. A request it creates is an ordinary request: decided in the
 * dashboard, then read back here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

const BASE = '/kaireon/api/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db, 'Kaireon Org');
  // The tenant of the document's example is this organization; its admin is called Admin, as there.
  await server.db.query(`UPDATE orgs SET slug = 'my-tenant' WHERE id = $1`, [seed.org.id]);
  await server.db.query(`UPDATE users SET name = 'Admin' WHERE id = $1`, [seed.admin.id]);
  admin = await signedIn(server, seed);
}, 60_000);
afterAll(() => server?.stop());

/** The curl example of POST /api/v1/approvals: its headers and body as written. */
const createExample = () =>
  server
    .http(seed.key)
    .post(`${BASE}/approvals`)
    .set('Content-Type', 'application/json')
    .set('X-Tenant-Id', 'my-tenant')
    .send(`{
    "entityType": "qualificationRule",
    "entityId": "qr_001",
    "entityName": "Credit Score Rule",
    "action": "update",
    "payload": { "config": { "threshold": 650 } }
  }`);

/** Every field of the document's list example, with its type. */
const listItem = (fields: Record<string, unknown>) => ({
  id: expect.stringMatching(UUID),
  entityType: expect.any(String),
  entityId: expect.any(String),
  entityName: expect.any(String),
  action: expect.stringMatching(/^(create|update|delete)$/),
  status: expect.stringMatching(/^(pending|approved|rejected)$/),
  requesterId: expect.stringMatching(UUID),
  requesterName: expect.any(String),
  payload: expect.any(Object),
  createdAt: expect.stringMatching(ISO),
  ...fields,
});

describe('the KaireonAI approvals API document, example by example', () => {
  let id = '';

  it('POST /api/v1/approvals, the curl example → 201 Created', async () => {
    const res = await createExample().expect(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      ...listItem({
        entityType: 'qualificationRule',
        entityId: 'qr_001',
        entityName: 'Credit Score Rule',
        action: 'update',
        status: 'pending',
        requesterId: seed.connectionId,
        requesterName: 'primary',
        payload: { config: { threshold: 650 } },
      }),
      approverId: null,
      approverName: null,
      comments: null,
      resolvedAt: null,
    });
    id = res.body.id;
  });

  it('GET /api/v1/approvals → a bare array of pending requests, each with the fields of the example', async () => {
    const res = await server.http(seed.key).get(`${BASE}/approvals`).set('X-Tenant-Id', 'my-tenant').expect(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toEqual([listItem({ id, entityName: 'Credit Score Rule', payload: { config: { threshold: 650 } }, status: 'pending' })]);
    expect(Object.keys(res.body[0]).sort()).toEqual(
      ['id', 'entityType', 'entityId', 'entityName', 'action', 'status', 'requesterId', 'requesterName', 'payload', 'createdAt'].sort(),
    );
  });

  it('GET /api/v1/approvals?status=approved and ?status=rejected → empty arrays so far', async () => {
    for (const status of ['approved', 'rejected']) {
      const res = await server.http(seed.key).get(`${BASE}/approvals?status=${status}`).set('X-Tenant-Id', 'my-tenant').expect(200);
      expect(res.body).toEqual([]);
    }
  });

  it('GET /api/v1/approvals/{id} → the request', async () => {
    const res = await server.http(seed.key).get(`${BASE}/approvals/${id}`).set('X-Tenant-Id', 'my-tenant').expect(200);
    expect(res.body).toMatchObject({ id, entityType: 'qualificationRule', status: 'pending', approverId: null, resolvedAt: null });
  });

  it('the request is an ordinary request: the v1 API shows the entity, the payload as metadata, and that it came through this API', async () => {
    const res = await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);
    expect(res.body).toMatchObject({
      created_via: 'kaireon',
      resource: { type: 'qualificationRule', id: 'qr_001', name: 'Credit Score Rule' },
      action_type: 'update',
      metadata: { config: { threshold: 650 } },
      title: 'update qualificationRule Credit Score Rule',
      priority: 'medium',
    });
  });

  it.each([
    ['approved', 'approve', 'Looks good, deploying to production'],
    ['rejected', 'reject', 'Threshold too aggressive, please revise'],
  ])('POST /api/v1/approvals/{id} by an admin, the %s example → 200 with the documented fields', async (status, action, comments) => {
    // The approved example resolves the request made above; the rejected one, a second request made the same way.
    const target = status === 'approved' ? id : (await createExample().expect(201)).body.id;
    const res = await admin.http().post(`${BASE}/approvals/${target}`).set('X-Tenant-Id', 'my-tenant').send({ action, comments }).expect(200);
    expect(res.body).toEqual({ id: target, status, approverId: seed.admin.id, approverName: 'Admin', comments, resolvedAt: expect.stringMatching(ISO) });
    const listed = await server.http(seed.key).get(`${BASE}/approvals?status=${status}`).set('X-Tenant-Id', 'my-tenant').expect(200);
    expect(listed.body.map((a: { id: string }) => a.id)).toEqual([target]);
  });

  it('X-Tenant-Id may be left out: the credential names the organization; its id names it too', async () => {
    const created = await server.http(seed.key).post(`${BASE}/approvals`).send({ entityType: 'offer', entityId: 'o_1', entityName: 'Spring offer', action: 'create' }).expect(201);
    expect(created.body).toMatchObject({ action: 'create', payload: {} });
    await server.http(seed.key).get(`${BASE}/approvals/${created.body.id}`).set('X-Tenant-Id', seed.org.id).expect(200);
  });
});

describe('a request made through this API, decided in the dashboard', () => {
  it('reads back here as resolved, with the approver the dashboard recorded', async () => {
    const id = (await createExample().expect(201)).body.id;
    const approver = await signedIn(server, seed, 'approver');
    // The dashboard's inbox lists it for the approver, and its decision goes through the dashboard's API.
    const inbox = await approver.http().get('/api/v1/approvals?assigned=me').expect(200);
    expect(inbox.body.data.map((a: { id: string }) => a.id)).toContain(id);
    await approver.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', comment: 'Checked the threshold' }).expect(200);

    const res = await server.http(seed.key).get(`${BASE}/approvals/${id}`).set('X-Tenant-Id', 'my-tenant').expect(200);
    expect(res.body).toEqual({
      ...listItem({ id, status: 'approved', requesterId: seed.connectionId, requesterName: 'primary' }),
      approverId: approver.user.id,
      approverName: approver.user.email,
      comments: 'Checked the threshold',
      resolvedAt: expect.stringMatching(ISO),
    });
  });

  it('a request of the v1 API without an entity is listed too, its entity fields null', async () => {
    const v1 = await server.http(seed.key).post('/api/v1/approvals').send({ title: 'Deploy', description: 'v2', priority: 'low' }).expect(201);
    const res = await server.http(seed.key).get(`${BASE}/approvals`).expect(200);
    expect(res.body.find((a: { id: string }) => a.id === v1.body.id)).toMatchObject({ entityType: null, entityId: null, entityName: null, action: null, status: 'pending' });
  });
});
