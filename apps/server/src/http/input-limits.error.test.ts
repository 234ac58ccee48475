/**
 * Input the API refuses with 400 in the error envelope before it reaches a handler or the database:
 * text Postgres cannot store (NUL, lone UTF-16 surrogates), JSON nested beyond the stated depth or
 * larger than the stated sizes, malformed percent-encoding and undecodable compressed bodies. None
 * of them writes a row, and the server answers normally afterwards.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, INPUT_LIMITS } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';

let server: TestServer;
let seed: SeededOrg;
let approvalId: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  approvalId = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
}, 60_000);
afterAll(() => server.stop());

const STACK_FRAME = /\n\s*at |\bat .+:\d+:\d+|\.(ts|js):\d+/;

function expect400(res: Response | { status: number; headers: Record<string, unknown>; body: unknown; text: string }) {
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 400, body: { error: { code: expect.any(String) } } });
  const body = res.body as { error: { code: keyof typeof ERROR_STATUS; message: string; request_id: string } };
  expect(ERROR_STATUS[body.error.code]).toBe(400);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.request_id).toEqual(expect.any(String));
  expect(res.text).not.toMatch(STACK_FRAME);
}

async function rowCounts() {
  const { rows } = await server.db.query<{ approvals: number; comments: number; webhooks: number; events: number }>(
    `SELECT (SELECT count(*)::int FROM approvals WHERE org_id = $1) AS approvals,
            (SELECT count(*)::int FROM comments) AS comments,
            (SELECT count(*)::int FROM webhook_subscriptions WHERE org_id = $1) AS webhooks,
            (SELECT count(*)::int FROM events WHERE org_id = $1) AS events`,
    [seed.org.id],
  );
  return rows[0]!;
}

const deepObject = (depth: number) => JSON.parse('{"a":'.repeat(depth - 1) + '1' + '}'.repeat(depth - 1)) as unknown;
const deepText = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('malformed percent-encoding in a path', () => {
  it.each([
    ['GET', '/api/v1/approvals/%ZZ'],
    ['GET', '/api/v1/approvals/%E0%A4%A/comments'],
    ['GET', '/api/v1/webhooks/%ZZ'],
    ['DELETE', '/api/v1/connections/%ZZ'],
    ['PATCH', '/api/v1/approvals/%ZZ/steps/%ZZ'],
  ])('%s %s → 400', async (method, path) => {
    const http = server.http(seed.key);
    const res = await (method === 'GET' ? http.get(path) : method === 'DELETE' ? http.delete(path) : http.patch(path).send({ decision: 'approve' }));
    expect400(res);
  });
});

describe('NUL in query parameters', () => {
  it.each(['external_id=%00', 'idempotency_key=a%00b', 'search=%00', 'tags=env:%00', 'status=pending%00'])('GET /api/v1/approvals?%s → 400', async (q) => {
    expect400(await server.http(seed.key).get(`/api/v1/approvals?${q}`));
  });
});

describe('text Postgres cannot store, anywhere in a body', () => {
  const nul = 'a\u0000b';
  const lone = 't\ud800';
  const cases: [string, string, () => string, Record<string, unknown>][] = [
    ['NUL in a title', 'POST', () => '/api/v1/approvals', approvalBody({ title: nul })],
    ['NUL in source', 'POST', () => '/api/v1/approvals', approvalBody({ source: nul })],
    ['NUL inside metadata', 'POST', () => '/api/v1/approvals', approvalBody({ metadata: { k: [nul] } })],
    ['NUL in a metadata key', 'POST', () => '/api/v1/approvals', approvalBody({ metadata: { [nul]: 1 } })],
    ['a lone surrogate in a title', 'POST', () => '/api/v1/approvals', approvalBody({ title: lone })],
    ['a lone surrogate inside metadata', 'POST', () => '/api/v1/approvals', approvalBody({ metadata: { k: { v: lone } } })],
    ['a lone surrogate in a metadata key', 'POST', () => '/api/v1/approvals', approvalBody({ metadata: { [lone]: 1 } })],
    ['a lone surrogate in tags', 'POST', () => '/api/v1/approvals', approvalBody({ tags: { env: lone } })],
    ['a lone surrogate inside changes', 'POST', () => '/api/v1/approvals', approvalBody({ changes: { before: null, after: { plan: '\udc00' } } })],
    ['NUL in a comment', 'POST', () => `/api/v1/approvals/${approvalId}/comments`, { body: nul }],
    ['a lone surrogate in a comment', 'POST', () => `/api/v1/approvals/${approvalId}/comments`, { body: lone }],
    ['NUL in a decision comment', 'PATCH', () => `/api/v1/approvals/${approvalId}`, { decision: 'approve', comment: nul }],
    ['NUL in a decision source', 'PATCH', () => `/api/v1/approvals/${approvalId}`, { decision: 'approve', source: nul }],
    ['NUL in a step vote comment', 'PATCH', () => `/api/v1/approvals/${approvalId}/steps/${randomUUID()}`, { decision: 'approve', comment: nul }],
    ['NUL in a webhook description', 'POST', () => '/api/v1/webhooks', { url: 'https://example.com/h', events: ['approval.approved'], description: nul }],
  ];
  it.each(cases)('%s → 400, nothing written', async (_name, method, path, body) => {
    const before = await rowCounts();
    const http = server.http(seed.key);
    const res = await (method === 'POST' ? http.post(path()) : http.patch(path())).send(body);
    expect400(res);
    expect(await rowCounts()).toEqual(before);
  });

  it('the escaped forms in the raw JSON text are refused the same way', async () => {
    for (const raw of ['{"title":"a\\u0000b","description":"d","priority":"low"}', '{"title":"t\\ud800","description":"d","priority":"low"}']) {
      expect400(await server.http(seed.key).post('/api/v1/approvals').set('Content-Type', 'application/json').send(raw));
    }
  });
});

describe('JSON nesting and sizes', () => {
  it(`a body nested ${INPUT_LIMITS.jsonDepthMax} levels deep (itself, metadata and 30 more) is stored; one level more → 400`, async () => {
    const ok = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ metadata: { m: deepObject(INPUT_LIMITS.jsonDepthMax - 1) } }));
    expect(ok.status).toBe(201);
    const before = await rowCounts();
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ metadata: { m: deepObject(INPUT_LIMITS.jsonDepthMax) } }));
    expect400(res);
    expect(res.body.error.message).toBe(`JSON is nested deeper than ${INPUT_LIMITS.jsonDepthMax} levels`);
    expect(await rowCounts()).toEqual(before);
  });

  it.each([2_000, 5_000, 30_000])('a body nested %i deep → 400 in the envelope, and the server answers afterwards', async (depth) => {
    const before = await rowCounts();
    const raw = `{"title":"t","description":"d","priority":"low","metadata":${deepText(depth)}}`;
    const res = await server.http(seed.key).post('/api/v1/approvals').set('Content-Type', 'application/json').send(raw);
    expect400(res);
    expect(await rowCounts()).toEqual(before);
    await server.http(seed.key).get('/api/v1/approvals').expect(200);
  });

  it(`a string inside metadata over ${INPUT_LIMITS.jsonStringMax} characters → 400`, async () => {
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ metadata: { s: 'x'.repeat(INPUT_LIMITS.jsonStringMax + 1) } }));
    expect400(res);
  });

  it(`an array inside metadata over ${INPUT_LIMITS.jsonArrayMax} items, or an object over ${INPUT_LIMITS.jsonKeysMax} keys → 400`, async () => {
    expect400(await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ metadata: { a: new Array(INPUT_LIMITS.jsonArrayMax + 1).fill(0) } })));
    const wide = Object.fromEntries(Array.from({ length: INPUT_LIMITS.jsonKeysMax + 1 }, (_, i) => [`k${i}`, 0]));
    expect400(await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ metadata: wide })));
  });
});

describe('compressed bodies that do not decompress', () => {
  it.each(['gzip', 'deflate', 'br'])('Content-Encoding: %s with an invalid body → 400', async (encoding) => {
    const res = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', encoding)
      .send('this is not compressed');
    expect400(res);
  });
});

describe("requests Node's own HTTP parser refuses", () => {
  /** A raw request line, since no client library sends these. */
  function raw(text: string): Promise<{ status: number; headers: Record<string, unknown>; body: unknown; text: string }> {
    const url = new URL(server.url);
    return new Promise((resolve, reject) => {
      {
        const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
        let data = '';
        socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
        socket.on('error', reject);
        socket.on('close', () => {
          const [head = '', body = ''] = data.split('\r\n\r\n');
          const lines = head.split('\r\n');
          const headers: Record<string, unknown> = {};
          for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
          let parsed: unknown;
          try {
            parsed = JSON.parse(body);
          } catch {
            parsed = body;
          }
          resolve({ status: Number(lines[0]!.split(' ')[1]), headers, body: parsed, text: body });
        });
      }
    });
  }

  it.each([
    ['a control character in a header value', 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n'],
    ['a malformed request line', 'GET /api/v1/me HTTP/9\r\n\r\n'],
    ['a header without a colon', 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\nbroken\r\n\r\n'],
  ])('%s → 400 in the envelope', async (_name, text) => {
    const res = await raw(text);
    expect400(res);
    expect((res.body as { error: { code: string } }).error.code).toBe('VALIDATION_ERROR');
  });
});
