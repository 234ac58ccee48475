import { randomUUID } from 'node:crypto';
import supertest, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '@greenlight/contract';
import { startGreenlight, createLogger } from '../server.ts';
import { openPostgres } from '../storage/postgres.ts';
import { approvalBody, openTestDatabase, seedOrg, startTestServer, testConfig, type SeededOrg, type TestServer } from '../testing/harness.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
});
afterAll(() => server.stop());

const ENVELOPE_KEYS = ['code', 'details', 'message', 'request_id'];
/** A stack frame as V8 prints it ("    at fn (file.ts:1:2)"), or any source location. */
const STACK_FRAME = /\n\s*at |\bat .+:\d+:\d+|\.(ts|js):\d+/;

/** Every error answered by the API: exactly {error:{code,message,details?,request_id}}, JSON, no stack. */
function expectEnvelope(res: Response, status: number, code: keyof typeof ERROR_STATUS, message?: string) {
  expect(res.status).toBe(status);
  expect(ERROR_STATUS[code]).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  const keys = Object.keys(res.body.error);
  expect(keys.every((k) => ENVELOPE_KEYS.includes(k))).toBe(true);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String), request_id: res.headers['x-request-id'] });
  if (message !== undefined) expect(res.body.error.message).toBe(message);
  if ('details' in res.body.error) expect(typeof res.body.error.details).toBe('object');
  expect(res.text).not.toMatch(STACK_FRAME);
  expect(res.text).not.toMatch(/"stack"/);
}

describe('request bodies', () => {
  it.each([
    ['a truncated object', '{"title": "Deploy"'],
    ['a trailing comma', '{"title": "Deploy",}'],
    ['single quotes', "{'title': 'Deploy'}"],
    ['bare words', 'title=Deploy'],
  ])('malformed JSON (%s) → 400 INVALID_JSON', async (_name, raw) => {
    const res = await server.http(seed.key).post('/api/v1/approvals').set('Content-Type', 'application/json').send(raw);
    expectEnvelope(res, 400, 'INVALID_JSON', 'request body is not valid JSON');
  });

  it('malformed JSON is refused before authentication is even looked at', async () => {
    const res = await server.http().post('/api/v1/approvals').set('Content-Type', 'application/json').send('{oops');
    expectEnvelope(res, 400, 'INVALID_JSON', 'request body is not valid JSON');
  });

  it('a body over the limit (256kb by default) → 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ description: 'x'.repeat(300 * 1024) }));
    expectEnvelope(res, 413, 'PAYLOAD_TOO_LARGE', 'request body is too large');
  });

  it('a body just under the limit reaches validation instead', async () => {
    const res = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ description: 'x'.repeat(200 * 1024) }));
    expectEnvelope(res, 400, 'VALIDATION_ERROR');
  });

  it.each([
    ['text/plain', 'title=Deploy'],
    ['application/x-www-form-urlencoded', 'title=Deploy&description=x&priority=high'],
    ['application/xml', '<approval><title>Deploy</title></approval>'],
  ])('a %s body on a JSON route → 415 UNSUPPORTED_MEDIA_TYPE', async (type, raw) => {
    const res = await server.http(seed.key).post('/api/v1/approvals').set('Content-Type', type).send(raw);
    expectEnvelope(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'send a JSON body with Content-Type: application/json');
  });

  it('a JSON body that is not an object → 400 VALIDATION_ERROR', async () => {
    const res = await server.http(seed.key).post('/api/v1/approvals').set('Content-Type', 'application/json').send('"just a string"');
    expectEnvelope(res, 400, 'VALIDATION_ERROR', 'Invalid input: expected object, received string');
  });

  it('an unsupported body encoding → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'compress')
      .send('{}');
    expectEnvelope(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
  });
});

describe('routes that do not exist', () => {
  it.each([
    ['GET', '/api/v1/nope'],
    ['GET', '/nope'],
    ['GET', '/api/v2/approvals'],
    ['POST', '/api/v1/approvals/00000000-0000-4000-8000-000000000000/nope'],
    ['GET', '/api/v1/approvals/00000000-0000-4000-8000-000000000000/comments/extra'],
  ])('%s %s → 404 JSON envelope, with or without credentials', async (method, path) => {
    for (const key of [undefined, seed.key]) {
      const http = server.http(key);
      const res = method === 'GET' ? await http.get(path) : await http.post(path).send({});
      expectEnvelope(res, 404, 'NOT_FOUND', `no route for ${method} ${path}`);
    }
  });

  it.each([
    ['PUT', '/api/v1/approvals'],
    ['DELETE', '/api/v1/approvals'],
    ['POST', '/api/v1/me'],
    ['PUT', `/api/v1/approvals/${randomUUID()}`],
    ['DELETE', `/api/v1/approvals/${randomUUID()}/comments`],
    ['PATCH', `/api/v1/approvals/${randomUUID()}/steps`],
  ])('a method the route does not serve (%s %s) → 405 with Allow', async (method, path) => {
    const http = server.http(seed.key);
    const res = await (method === 'PUT' ? http.put(path) : method === 'DELETE' ? http.delete(path) : method === 'PATCH' ? http.patch(path) : http.post(path)).send({});
    expectEnvelope(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.body.error.message).toMatch(new RegExp(`^${method} is not allowed on ${path}; allowed: `));
    expect(res.headers.allow).toBeTruthy();
    expect(res.headers.allow).not.toContain(method);
  });

  it('a malformed id in a known route is a missing resource (404), not a server error', async () => {
    const res = await server.http(seed.key).get('/api/v1/approvals/not-a-uuid');
    expectEnvelope(res, 404, 'NOT_FOUND', 'resource not found');
  });
});

describe('request ids', () => {
  it.each(['my-trace.01', 'req_abc', 'A'.repeat(64), '550e8400-e29b-41d4-a716-446655440000'])(
    'a sane X-Request-Id (%s) is echoed in the header and the error body',
    async (id) => {
      const res = await server.http().get('/api/v1/me').set('X-Request-Id', id);
      expect(res.headers['x-request-id']).toBe(id);
      expectEnvelope(res, 401, 'UNAUTHORIZED');
      expect(res.body.error.request_id).toBe(id);
    },
  );

  it.each([
    ['too long', 'A'.repeat(65)],
    ['with spaces', 'two words'],
    ['with markup', '<script>alert(1)</script>'],
    ['with a quote', 'a"b'],
    ['empty', ''],
  ])('an X-Request-Id %s is replaced by a generated one', async (_name, id) => {
    const res = await server.http().get('/api/v1/me').set('X-Request-Id', id);
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{16}$/);
    expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
  });

  it('successful responses carry a request id too, distinct per request', async () => {
    const a = await server.http(seed.key).get('/api/v1/me').expect(200);
    const b = await server.http(seed.key).get('/api/v1/me').expect(200);
    expect(a.headers['x-request-id']).toMatch(/^req_[0-9a-f]{16}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe('internal errors', () => {
  it('a failing database → 500 "internal error", with no stack trace and no driver message', async () => {
    const t = await throwawayServer();
    try {
      const own = await seedOrg(t.db);
      await t.db.close();
      const res = await supertest(t.running.url).get('/api/v1/me').set('Authorization', `Bearer ${own.key}`).set('X-Request-Id', 'trace-500');
      expectEnvelope(res, 500, 'INTERNAL_ERROR', 'internal error');
      expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'internal error', request_id: 'trace-500' } });
      expect(res.text).not.toMatch(/pglite|postgres|pool|closed|ended|node_modules/i);
    } finally {
      await t.cleanup();
    }
  });
});

/**
 * A server of its own whose database the test may close. On Postgres it gets a second pool on the
 * test database, so the harness can still drop that database afterwards.
 */
async function throwawayServer() {
  const tdb = await openTestDatabase();
  const db = tdb.url ? await openPostgres({ connectionString: tdb.url, max: 2 }) : tdb.db;
  const config = testConfig();
  const running = await startGreenlight(config, { db, logger: createLogger(config) });
  return {
    db,
    running,
    async cleanup() {
      await running.close();
      if (db !== tdb.db) await db.close().catch(() => {});
      // PGlite: the harness closes the already closed instance again; only that may fail.
      await tdb.drop().catch(() => {});
    },
  };
}
