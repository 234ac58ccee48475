/**
 * Authentication and scope checks, run against every route of the contract's route table: a route
 * added to the contract is covered here without anyone remembering to add it.
 */
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_LIST, routes, SCOPES, type OperationId, type RouteDef } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { revokeConnection } from '../modules/connections/connections.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
});
afterAll(() => server.stop());

/**
 * A valid body per operation, so that nothing but the credential decides the answer. A route
 * added later without a sample here is still covered, with an empty object as its body.
 */
const SAMPLE_BODIES: Partial<Record<OperationId, object>> = {
  createApproval: approvalBody(),
  decideApproval: { decision: 'approve' },
  createComment: { body: 'looks fine' },
  configureSteps: { steps: [{ approver_id: randomUUID(), step_order: 1 }] },
  voteStep: { decision: 'approve' },
};

/**
 * Sends one request to a route of the table. `authorization` is the raw header (omitted when
 * undefined); `query` is appended as is.
 */
function callRoute(route: RouteDef, options: { authorization?: string; query?: string } = {}) {
  const path = route.path.replace(/\{(\w+)\}/g, () => randomUUID()) + (options.query ? `?${options.query}` : '');
  const agent = supertest(server.url);
  let req = agent[route.method](path);
  if (options.authorization !== undefined) req = req.set('Authorization', options.authorization);
  if (!route.request.body) return req;
  return req.send(SAMPLE_BODIES[route.operationId as OperationId] ?? {});
}

const bearer = (key: string) => `Bearer ${key}`;
const routeName = (r: RouteDef) => `${r.method.toUpperCase()} ${r.path}`;
const ROUTES = ROUTE_LIST.map((r) => [routeName(r), r] as const);
const SCOPED_ROUTES = ROUTES.filter(([, r]) => r.scope !== null);

function expect401(res: supertest.Response, message: string, wwwAuthenticate: string) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: { code: 'UNAUTHORIZED', message, request_id: expect.any(String) } });
  expect(res.headers['www-authenticate']).toBe(wwwAuthenticate);
}

it('iterates the whole route table, scoped routes included', () => {
  expect(ROUTES.length).toBe(Object.keys(routes).length);
  expect(ROUTES.map(([n]) => n)).toContain('GET /api/v1/me');
  expect(SCOPED_ROUTES.length).toBeGreaterThan(0);
  for (const id of Object.keys(SAMPLE_BODIES)) expect(ROUTE_LIST.map((r) => r.operationId)).toContain(id);
});

describe.each(ROUTES)('%s', (_name, route) => {
  it('without an Authorization header → 401', async () => {
    expect401(await callRoute(route), 'missing Authorization header', 'Bearer realm="greenlight"');
  });

  it.each([
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['a bare key without "Bearer"', `gk_${'a'.repeat(64)}`],
    ['"Bearer" with nothing after it', 'Bearer '],
    ['two tokens', `Bearer gk_${'a'.repeat(64)} extra`],
  ])('with %s → 401 invalid_request', async (_case, header) => {
    expect401(
      await callRoute(route, { authorization: header }),
      'Authorization header must be "Bearer <api key>"',
      'Bearer realm="greenlight", error="invalid_request"',
    );
  });

  it.each([
    ['a key without the gk_ prefix', 'a'.repeat(64)],
    ['a key that is too short', `gk_${'a'.repeat(63)}`],
    ['a key with upper-case hex', `gk_${'A'.repeat(64)}`],
    ['an OAuth-looking token', 'eyJhbGciOiJIUzI1NiJ9.e30.sig'],
  ])('with %s → 401 malformed', async (_case, key) => {
    expect401(await callRoute(route, { authorization: bearer(key) }), 'malformed API key', 'Bearer realm="greenlight", error="invalid_token"');
  });

  it('with a well-formed key nobody holds → 401', async () => {
    const key = `gk_${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
    expect401(await callRoute(route, { authorization: bearer(key) }), 'invalid or revoked API key', 'Bearer realm="greenlight", error="invalid_token"');
  });

  it('with a revoked key → 401 on the very next request', async () => {
    const { key, connectionId } = await seed.newKey();
    const before = await callRoute(route, { authorization: bearer(key) });
    expect(before.status).not.toBe(401);
    await revokeConnection(server.db, seed.org.id, connectionId);
    expect401(await callRoute(route, { authorization: bearer(key) }), 'invalid or revoked API key', 'Bearer realm="greenlight", error="invalid_token"');
  });

  it.each(['api_key', 'access_token'])('with a valid key in ?%s= → 401, even alongside a valid header', async (param) => {
    const message = 'credentials in the query string are not accepted; use the Authorization header';
    const header = 'Bearer realm="greenlight", error="invalid_request"';
    expect401(await callRoute(route, { query: `${param}=${seed.key}` }), message, header);
    expect401(await callRoute(route, { query: `${param}=${seed.key}`, authorization: bearer(seed.key) }), message, header);
  });
});

describe.each(SCOPED_ROUTES)('%s — scopes', (_name, route) => {
  it(`a key holding every scope but ${route.scope} → 403 INSUFFICIENT_SCOPE`, async () => {
    const { key } = await seed.newKey({ scopes: SCOPES.filter((s) => s !== route.scope) });
    const res = await callRoute(route, { authorization: bearer(key) });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: {
        code: 'INSUFFICIENT_SCOPE',
        message: `this credential lacks the ${route.scope} scope`,
        details: { required_scope: route.scope },
        request_id: expect.any(String),
      },
    });
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it(`a key holding only ${route.scope} gets past the scope check`, async () => {
    const { key } = await seed.newKey({ scopes: [route.scope!] });
    const res = await callRoute(route, { authorization: bearer(key) });
    expect([401, 403]).not.toContain(res.status);
  });
});
