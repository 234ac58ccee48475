/**
 * Authentication and scope checks, run against every route of the contract's route table: a route
 * added to the contract is covered here without anyone remembering to add it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_LIST, routes, SCOPES, type OperationId, type RouteDef } from '@greenlight/contract';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { revokeConnection } from '../modules/connections/connections.ts';
import { callRoute as callAnyRoute, errorBody, SAMPLE_BODIES, type RouteResponse } from '../testing/route-calls.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
});
afterAll(() => server.stop());

/**
 * Routes for people signed in to the dashboard (SESSION_ONLY in packages/contract/src/authorization.ts): an API key gets 403
 * whatever its scopes, so these carry no scope. Who may call each one:
 */
const PEOPLE_ONLY: Partial<Record<OperationId, 'an admin' | 'a person'>> = {
  updateOrg: 'an admin',
  getSlackSettings: 'an admin',
  updateSlackSettings: 'an admin',
  deleteSlackSettings: 'an admin',
  getSsoSettings: 'an admin',
  updateSsoSettings: 'an admin',
  deleteSsoSettings: 'an admin',
  getSsoStatus: 'a person',
  createOAuthClient: 'an admin',
  listOAuthClients: 'an admin',
  revokeOAuthClient: 'an admin',
  listMembers: 'an admin',
  addMember: 'an admin',
  updateMember: 'an admin',
  removeMember: 'an admin',
  createConnection: 'an admin',
  listConnections: 'a person',
  revokeConnection: 'a person',
  setPassword: 'a person',
};

/** Sends one request to a route of the table (`authorization`: the raw header, omitted when undefined). */
const callRoute = (route: RouteDef, options: { authorization?: string; query?: string } = {}) => callAnyRoute(server.url, route, options);

const bearer = (key: string) => `Bearer ${key}`;
const routeName = (r: RouteDef) => `${r.method.toUpperCase()} ${r.path}`;
const ROUTES = ROUTE_LIST.map((r) => [routeName(r), r] as const);
const SCOPED_ROUTES = ROUTES.filter(([, r]) => r.authorization.scope !== null);

function expect401(route: RouteDef, res: RouteResponse, message: string, wwwAuthenticate: string) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual(errorBody(route, 'UNAUTHORIZED', message));
  expect(res.headers['www-authenticate']).toBe(wwwAuthenticate);
}

it('iterates the whole route table, scoped routes included', () => {
  expect(ROUTES.length).toBe(Object.keys(routes).length);
  expect(ROUTES.map(([n]) => n)).toContain('GET /api/v1/me');
  expect(SCOPED_ROUTES.length).toBeGreaterThan(0);
  for (const id of Object.keys(SAMPLE_BODIES)) expect(ROUTE_LIST.map((r) => r.operationId)).toContain(id);
  for (const id of Object.keys(PEOPLE_ONLY)) expect(ROUTE_LIST.map((r) => r.operationId)).toContain(id);
});

describe.each(ROUTES)('%s', (_name, route) => {
  it('without an Authorization header → 401', async () => {
    expect401(route, await callRoute(route), 'missing Authorization header', 'Bearer realm="greenlight"');
  });

  it.each([
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['a bare key without "Bearer"', `gk_${'a'.repeat(64)}`],
    ['"Bearer" with nothing after it', 'Bearer '],
    ['two tokens', `Bearer gk_${'a'.repeat(64)} extra`],
  ])('with %s → 401 invalid_request', async (_case, header) => {
    expect401(
      route,
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
    expect401(route, await callRoute(route, { authorization: bearer(key) }), 'malformed API key', 'Bearer realm="greenlight", error="invalid_token"');
  });

  it('with a well-formed key nobody holds → 401', async () => {
    const key = `gk_${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`;
    expect401(route, await callRoute(route, { authorization: bearer(key) }), 'invalid or revoked API key', 'Bearer realm="greenlight", error="invalid_token"');
  });

  it('with a revoked key → 401 on the very next request', async () => {
    const { key, connectionId } = await seed.newKey();
    const before = await callRoute(route, { authorization: bearer(key) });
    expect(before.status).not.toBe(401);
    await revokeConnection(server.db, seed.org.id, connectionId);
    expect401(route, await callRoute(route, { authorization: bearer(key) }), 'invalid or revoked API key', 'Bearer realm="greenlight", error="invalid_token"');
  });

  it.each(['api_key', 'access_token'])('with a valid key in ?%s= → 401, even alongside a valid header', async (param) => {
    const message = 'credentials in the query string are not accepted; use the Authorization header';
    const header = 'Bearer realm="greenlight", error="invalid_request"';
    expect401(route, await callRoute(route, { query: `${param}=${seed.key}` }), message, header);
    expect401(route, await callRoute(route, { query: `${param}=${seed.key}`, authorization: bearer(seed.key) }), message, header);
  });
});

describe.each(ROUTES.filter(([, r]) => r.operationId in PEOPLE_ONLY))('%s — people only', (_name, route) => {
  it('carries no scope and is not refused by the emergency stop (it manages the org, not approval requests)', () => {
    expect(route.authorization.scope).toBeNull();
    expect(route.authorization.emergencyStop).toBe('allowed');
    expect(route.errors).toContain(403);
  });

  it('an API key holding every scope → 403 FORBIDDEN', async () => {
    const res = await callRoute(route, { authorization: bearer(seed.key) });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: {
        code: 'FORBIDDEN',
        message: `only ${PEOPLE_ONLY[route.operationId as OperationId]} signed in to the dashboard can do this; API keys and OAuth tokens cannot`,
        request_id: expect.any(String),
      },
    });
  });
});

describe.each(SCOPED_ROUTES)('%s — scopes', (_name, route) => {
  it(`a key holding every scope but ${route.authorization.scope} → 403 INSUFFICIENT_SCOPE`, async () => {
    const { key } = await seed.newKey({ scopes: SCOPES.filter((s) => s !== route.authorization.scope) });
    const res = await callRoute(route, { authorization: bearer(key) });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(
      errorBody(route, 'INSUFFICIENT_SCOPE', `this credential lacks the ${route.authorization.scope} scope`, { required_scope: route.authorization.scope }),
    );
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it(`a key holding only ${route.authorization.scope} gets past the scope check`, async () => {
    const { key } = await seed.newKey({ scopes: [route.authorization.scope!] });
    const res = await callRoute(route, { authorization: bearer(key) });
    expect([401, 403]).not.toContain(res.status);
  });
});
