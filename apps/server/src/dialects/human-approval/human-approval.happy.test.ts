/**
 * The Human Approval API document (shared/spec/human-approval-api-v1.txt), example by example,
 * against a real server at its base URL `/human-approval/api/v1`: each request sent as written (with
 * an API key, as the document asks), each documented response field checked by name and type. A
 * request it creates is an ordinary request: listed and decided in the dashboard, then read back here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { expireDue } from '../../testing/index.ts';

const BASE = '/human-approval/api/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db, 'Human Approval Org');
}, 60_000);
afterAll(() => server?.stop());

/** The document's Create Request body, as written. */
const CREATE_EXAMPLE = {
  title: 'Brief description of what needs approval',
  description: 'Optional longer description',
  external_id: 'your-reference-id',
  payload: {
    any: 'custom data you need',
  },
  expires_at: '2026-01-20T12:00:00Z',
};

const post = (body: object, key = seed.key) => server.http(key).post(`${BASE}/requests`).set('Content-Type', 'application/json').send(body);

/** The rate-limit headers the document promises on every response. */
function expectRateLimitHeaders(headers: Record<string, string>) {
  for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) expect(headers[name], name).toMatch(/^\d+$/);
}

describe('the Human Approval API document, example by example', () => {
  let id = '';
  const future = new Date(Date.now() + 2 * 86_400_000).toISOString().replace('.000Z', 'Z');

  it('POST /requests, the example as written: its expires_at (2026-01-20) has passed, so it is refused as a field error', async () => {
    const res = await post(CREATE_EXAMPLE).expect(400);
    expect(res.body).toEqual({ error: 'expires_at must be in the future', errors: { expires_at: ['must be in the future'] } });
    expectRateLimitHeaders(res.headers);
  });

  it('POST /requests, the example with a future expires_at → 201 Created with the documented fields', async () => {
    const res = await post({ ...CREATE_EXAMPLE, expires_at: future }).expect(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expectRateLimitHeaders(res.headers);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      status: 'pending',
      title: 'Brief description of what needs approval',
      description: 'Optional longer description',
      external_id: 'your-reference-id',
      payload: { any: 'custom data you need' },
      inserted_at: expect.stringMatching(ISO),
      expires_at: new Date(future).toISOString(),
      decided_at: null,
      decided_by_id: null,
      decision_note: null,
    });
    id = res.body.id;
  });

  it('the error response example: a body without payload → 400 {"errors": {"payload": ["can\'t be blank"]}}', async () => {
    const { payload: _payload, ...withoutPayload } = CREATE_EXAMPLE;
    const res = await post({ ...withoutPayload, external_id: 'another-reference' }).expect(400);
    expect(res.body.errors).toEqual({ payload: ["can't be blank"] });
    expect(res.body.error).toBe("payload can't be blank");
  });

  it('only payload is required: title, description, external_id and expires_at may be left out', async () => {
    const res = await post({ payload: { order: 7 } }).expect(201);
    expect(res.body).toMatchObject({ status: 'pending', title: 'Approval request', description: '', external_id: null, payload: { order: 7 }, expires_at: null });
  });

  it('the request is an ordinary request: the v1 API shows it created through this API, with the payload as its metadata', async () => {
    const v1 = await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);
    expect(v1.body).toMatchObject({ id, created_via: 'human-approval', metadata: { any: 'custom data you need' }, priority: 'medium', external_id: 'your-reference-id' });
    const inbox = await (await signedIn(server, seed, 'approver')).http().get('/api/v1/approvals?assigned=me').expect(200);
    expect(inbox.body.data.map((a: { id: string }) => a.id)).toContain(id);
  });

  it('GET /requests/:id while pending → 200 with the documented fields', async () => {
    const res = await server.http(seed.key).get(`${BASE}/requests/${id}`).expect(200);
    expectRateLimitHeaders(res.headers);
    expect(res.body).toEqual({
      id,
      status: 'pending',
      title: 'Brief description of what needs approval',
      description: 'Optional longer description',
      external_id: 'your-reference-id',
      payload: { any: 'custom data you need' },
      decided_at: null,
      decided_by_id: null,
      decision_note: null,
      inserted_at: expect.stringMatching(ISO),
      expires_at: new Date(future).toISOString(),
    });
  });

  it('decided in the dashboard, GET /requests/:id → approved, with decided_at, decided_by_id and decision_note', async () => {
    const approver = await signedIn(server, seed, 'approver');
    await approver.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', comment: 'Looks good to me' }).expect(200);
    const res = await server.http(seed.key).get(`${BASE}/requests/${id}`).expect(200);
    expect(res.body).toMatchObject({
      id,
      status: 'approved',
      title: 'Brief description of what needs approval',
      external_id: 'your-reference-id',
      payload: { any: 'custom data you need' },
      decided_at: expect.stringMatching(ISO),
      decided_by_id: approver.user.id,
      decision_note: 'Looks good to me',
      inserted_at: expect.stringMatching(ISO),
    });
  });

  it('rejected and expired read back as the document\'s status values', async () => {
    const rejected = (await post({ payload: { n: 1 } }).expect(201)).body.id;
    await (await signedIn(server, seed, 'approver')).http().patch(`/api/v1/approvals/${rejected}`).send({ decision: 'reject' }).expect(200);
    expect((await server.http(seed.key).get(`${BASE}/requests/${rejected}`).expect(200)).body.status).toBe('rejected');

    const expiring = (await post({ payload: { n: 2 }, expires_at: new Date(Date.now() + 1500).toISOString() }).expect(201)).body.id;
    await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring]);
    await expireDue(server.db);
    expect((await server.http(seed.key).get(`${BASE}/requests/${expiring}`).expect(200)).body).toMatchObject({ status: 'expired', decided_at: null });
  });

  it('a request created through the v1 API reads the same here', async () => {
    const created = await server.http(seed.key).post('/api/v1/approvals').send({ title: 'Deploy', description: 'v2', priority: 'high', metadata: { v: 2 } }).expect(201);
    const res = await server.http(seed.key).get(`${BASE}/requests/${created.body.id}`).expect(200);
    expect(res.body).toMatchObject({ id: created.body.id, title: 'Deploy', payload: { v: 2 }, status: 'pending' });
  });
});
