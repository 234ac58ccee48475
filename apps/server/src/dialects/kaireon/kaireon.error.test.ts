/**
 * Bad input to the KaireonAI approvals API: its document defines no error body, so Greenlight's
 * envelope answers (`{error: {code, message, details?, request_id}}`), with a 4xx, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

const BASE = '/kaireon/api/v1';

let server: TestServer;
let seed: SeededOrg;
let pending: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  pending = (await server.http(seed.key).post(`${BASE}/approvals`).send(entity()).expect(201)).body.id;
}, 60_000);
afterAll(() => server?.stop());

function entity(overrides: Record<string, unknown> = {}) {
  return { entityType: 'qualificationRule', entityId: 'qr_001', entityName: 'Credit Score Rule', action: 'update', ...overrides };
}

const envelope = (code: string, message: string) => ({ error: expect.objectContaining({ code, message, request_id: expect.any(String) }) });

describe('POST /approvals refuses a bad body with 400 naming the field', () => {
  const { entityType: _t, ...noType } = entity();
  it.each([
    ['entityType missing', noType, 'entityType is required'],
    ['entityName empty', entity({ entityName: '' }), 'entityName: Too small: expected string to have >=1 characters'],
    ['entityId not a string', entity({ entityId: 7 }), 'entityId: Invalid input: expected string, received number'],
    ['an action the document does not have', entity({ action: 'archive' }), 'action: Invalid option: expected one of "create"|"update"|"delete"'],
    ['payload not an object', entity({ payload: [1] }), 'payload: Invalid input: expected record, received array'],
    ['a field the document does not have', entity({ stages: [] }), 'unknown field: stages'],
    ['a label too long', entity({ entityType: 'x'.repeat(201) }), 'entityType: Too big: expected string to have <=200 characters'],
  ])('%s', async (_case, body, message) => {
    const res = await server.http(seed.key).post(`${BASE}/approvals`).send(body).expect(400);
    expect(res.body).toEqual(envelope('VALIDATION_ERROR', message));
  });
});

describe('the other routes refuse bad input with a 4xx', () => {
  it.each([
    ['a status that is none', '?status=archived', 'status: Invalid option: expected one of "pending"|"approved"|"rejected"|"cancelled"|"expired"'],
    ['a query parameter the document does not have', '?limit=5', 'unknown query parameter: limit'],
  ])('GET /approvals with %s → 400', async (_case, query, message) => {
    const res = await server.http(seed.key).get(`${BASE}/approvals${query}`).expect(400);
    expect(res.body).toEqual(envelope('VALIDATION_ERROR', message));
  });

  it.each([
    ['no action', {}, 'action is required'],
    ['an action that is none', { action: 'maybe' }, 'action: Invalid option: expected one of "approve"|"reject"'],
    ['comments not a string', { action: 'approve', comments: 5 }, 'comments: Invalid input: expected string, received number'],
  ])('POST /approvals/{id} with %s → 400, nothing decided', async (_case, body, message) => {
    const res = await server.http(seed.key).post(`${BASE}/approvals/${pending}`).send(body).expect(400);
    expect(res.body).toEqual(envelope('VALIDATION_ERROR', message));
    expect((await server.http(seed.key).get(`${BASE}/approvals/${pending}`).expect(200)).body.status).toBe('pending');
  });

  it('resolving a request already resolved → 409 INVALID_STATUS', async () => {
    const id = (await server.http(seed.key).post(`${BASE}/approvals`).send(entity()).expect(201)).body.id;
    const approver = await seed.newKey();
    await server.http(approver.key).post(`${BASE}/approvals/${id}`).send({ action: 'approve' }).expect(200);
    const res = await server.http(approver.key).post(`${BASE}/approvals/${id}`).send({ action: 'reject' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', details: { reason: 'not_pending', status: 'approved' } });
  });

  it.each([
    ['an unknown id', () => crypto.randomUUID(), 'approval request not found'],
    ['an id that is not one', () => 'approval_001', 'resource not found'],
  ])('GET and POST /approvals/{id} with %s → 404', async (_case, id, message) => {
    const path = `${BASE}/approvals/${id()}`;
    expect((await server.http(seed.key).get(path).expect(404)).body).toEqual(envelope('NOT_FOUND', message));
    expect((await server.http(seed.key).post(path).send({ action: 'approve' }).expect(404)).body).toEqual(envelope('NOT_FOUND', message));
  });

  it('a body that is not JSON → 400 INVALID_JSON; none at all → 415', async () => {
    const bad = await server.http(seed.key).post(`${BASE}/approvals`).set('Content-Type', 'application/json').send('{"entityType":').expect(400);
    expect(bad.body).toEqual(envelope('INVALID_JSON', 'request body is not valid JSON'));
    await server.http(seed.key).post(`${BASE}/approvals/${pending}`).expect(415);
  });

  it('a method the path does not serve → 405 with Allow', async () => {
    const res = await server.http(seed.key).delete(`${BASE}/approvals/${pending}`).expect(405);
    expect(res.headers.allow).toBe('GET, POST, HEAD');
  });

  it('without credentials → 401 with WWW-Authenticate', async () => {
    const res = await server.http().get(`${BASE}/approvals`).set('X-Tenant-Id', 'my-tenant').expect(401);
    expect(res.body).toEqual(envelope('UNAUTHORIZED', 'missing Authorization header'));
    expect(res.headers['www-authenticate']).toBe('Bearer realm="greenlight"');
  });
});
