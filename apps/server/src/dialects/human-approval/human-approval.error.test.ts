/**
 * Every refusal of the Human Approval API in its own error format, `{"error": "…", "errors": {field:
 * [messages]}}`, with the status its document lists, and never a 500: malformed bodies, each field
 * refused, credentials, unknown ids and paths, the rate limit and the emergency stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { setEmergencyStop } from '../../modules/orgs/create-org.ts';

const BASE = '/human-approval/api/v1';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
}, 60_000);
afterAll(() => server?.stop());

const create = (body: unknown, key = seed.key) => server.http(key).post(`${BASE}/requests`).set('Content-Type', 'application/json').send(JSON.stringify(body));

describe('POST /requests refuses each bad field with its message', () => {
  it.each([
    ['payload missing', { title: 'x' }, 'payload', "can't be blank"],
    ['payload null', { payload: null }, 'payload', 'is invalid'],
    ['payload a string', { payload: 'x' }, 'payload', 'is invalid'],
    ['payload an array', { payload: [1, 2] }, 'payload', 'is invalid'],
    ['title not a string', { payload: {}, title: 7 }, 'title', 'is invalid'],
    ['title too long', { payload: {}, title: 'x'.repeat(501) }, 'title', 'should be at most 500 character(s)'],
    // The limit every string of every body is held to, before the route's own.
    ['description too long', { payload: {}, description: 'x'.repeat(20_001) }, 'description', 'a string is longer than 20000 characters'],
    ['external_id empty', { payload: {}, external_id: '' }, 'external_id', "can't be blank"],
    ['external_id too long', { payload: {}, external_id: 'x'.repeat(256) }, 'external_id', 'should be at most 255 character(s)'],
    ['expires_at not a timestamp', { payload: {}, expires_at: 'tomorrow' }, 'expires_at', 'is invalid'],
    ['expires_at in the past', { payload: {}, expires_at: '2020-01-01T00:00:00Z' }, 'expires_at', 'must be in the future'],
    ['a field the API does not have', { payload: {}, priority: 'high' }, 'priority', 'is not a field of this API'],
    ['NUL in a text', { payload: {}, title: 'a\u0000b' }, 'title', 'text fields cannot contain NUL characters'],
  ])('%s → 400 naming the field', async (_case, body, field, message) => {
    const res = await create(body).expect(400);
    expect(res.body).toEqual({ error: `${field} ${message}`, errors: { [field]: [message] } });
  });

  it('names every refused field at once', async () => {
    const res = await create({ title: 7, external_id: '' }).expect(400);
    expect(res.body.errors).toEqual({ title: ['is invalid'], external_id: ["can't be blank"], payload: ["can't be blank"] });
  });

  it('an external_id already used in the organization → 400 errors.external_id (a field error there, not a conflict)', async () => {
    await create({ payload: {}, external_id: 'ticket-1' }).expect(201);
    const res = await create({ payload: {}, external_id: 'ticket-1' }).expect(400);
    expect(res.body).toEqual({ error: 'external_id has already been taken', errors: { external_id: ['has already been taken'] } });
  });

  it.each([
    ['not JSON', '{"payload": ', 400, 'request body is not valid JSON'],
    ['a JSON array', '[]', 400, 'Invalid input: expected object, received array'],
    ['a JSON string', '"x"', 400, 'Invalid input: expected object, received string'],
  ])('a body that is %s → 400 with no field named', async (_case, raw, status, message) => {
    const res = await server.http(seed.key).post(`${BASE}/requests`).set('Content-Type', 'application/json').send(raw).expect(status);
    expect(res.body).toEqual({ error: message, errors: {} });
  });

  it('a body that is not JSON at all → 415 in the same format', async () => {
    const res = await server.http(seed.key).post(`${BASE}/requests`).set('Content-Type', 'text/plain').send('payload=1').expect(415);
    expect(res.body).toEqual({ error: 'send a JSON body with Content-Type: application/json', errors: {} });
  });

  it('JSON nested past the input limits → 400 naming where', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const res = await create({ payload: deep }).expect(400);
    expect(res.body.error).toMatch(/nested deeper than 32 levels/);
    expect(Object.keys(res.body.errors)[0]).toMatch(/^payload(\.a)+$/);
  });
});

describe('the other errors of the document, in its format', () => {
  it('401 without an API key, with WWW-Authenticate', async () => {
    const res = await server.http().post(`${BASE}/requests`).send({ payload: {} }).expect(401);
    expect(res.body).toEqual({ error: 'missing Authorization header', errors: {} });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="greenlight"');
  });

  it('401 with a key nobody holds', async () => {
    const res = await server.http(`gk_${'0'.repeat(64)}`).get(`${BASE}/requests/${crypto.randomUUID()}`).expect(401);
    expect(res.body).toEqual({ error: 'invalid or revoked API key', errors: {} });
  });

  it.each([
    ['an unknown id', () => crypto.randomUUID(), 'approval request not found'],
    ['an id that is not one', () => 'req_abc123', 'resource not found'],
  ])('404 for %s', async (_case, id, message) => {
    const res = await server.http(seed.key).get(`${BASE}/requests/${id()}`).expect(404);
    expect(res.body).toEqual({ error: message, errors: {} });
  });

  it("404 for another organization's request", async () => {
    const other = await seedOrg(server.db, 'Other');
    const theirs = (await create({ payload: {} }, other.key).expect(201)).body.id;
    const res = await server.http(seed.key).get(`${BASE}/requests/${theirs}`).expect(404);
    expect(res.body).toEqual({ error: 'approval request not found', errors: {} });
  });

  it('404 for a path the API does not have, 405 for a method it does not serve there', async () => {
    const missing = await server.http(seed.key).get(`${BASE}/nothing-here`).expect(404);
    expect(missing.body).toEqual({ error: `no route for GET ${BASE}/nothing-here`, errors: {} });
    const method = await server.http(seed.key).delete(`${BASE}/requests/${crypto.randomUUID()}`).expect(405);
    expect(method.body.errors).toEqual({});
    expect(method.headers.allow).toBe('GET, HEAD');
  });

  it('403 for a viewer, who cannot ask for approvals', async () => {
    const viewer = await signedIn(server, seed, 'viewer');
    const res = await viewer.http().post(`${BASE}/requests`).send({ payload: {} }).expect(403);
    expect(res.body).toEqual({ error: 'viewers cannot do this', errors: {} });
  });

  it('429 past the rate limit, with Retry-After and the X-RateLimit headers', async () => {
    const { key } = await seed.newKey({ rateLimit: 2 });
    await server.http(key).get(`${BASE}/requests/${crypto.randomUUID()}`).expect(404);
    await server.http(key).get(`${BASE}/requests/${crypto.randomUUID()}`).expect(404);
    const res = await server.http(key).get(`${BASE}/requests/${crypto.randomUUID()}`).expect(429);
    expect(res.body.errors).toEqual({});
    expect(res.body.error).toMatch(/^rate limit of 2 requests per hour exceeded; retry in \d+ s$/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('503 while the emergency stop is on; reading still works', async () => {
    const org = await seedOrg(server.db, 'Stopped');
    const id = (await create({ payload: {} }, org.key).expect(201)).body.id;
    await setEmergencyStop(server.db, org.org.id, true);
    const res = await create({ payload: {} }, org.key).expect(503);
    expect(res.body).toEqual({
      error: 'the emergency stop is on for this organization: approval requests cannot be changed until an admin turns it off',
      errors: {},
    });
    await server.http(org.key).get(`${BASE}/requests/${id}`).expect(200);
  });
});
