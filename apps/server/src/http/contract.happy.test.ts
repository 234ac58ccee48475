/**
 * Inventory (OWASP API9): the OpenAPI document, the route table and the routes actually served
 * are the same thing.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, errorBodyOf, ROUTE_LIST, type OperationId, type RouteDef } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { signedIn } from '../testing/session.ts';
import { openSse } from '../modules/stream/sse-client.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
});
afterAll(() => server.stop());

const COMMITTED = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../packages/contract/openapi.json', import.meta.url)), 'utf8'));
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Valid bodies where known; any other route with a body gets `{}` (a documented 400 at worst). */
const SAMPLE_BODIES: Partial<Record<OperationId, object>> = {
  createApproval: approvalBody(),
  decideApproval: { decision: 'reject', comment: 'contract test' },
  createComment: { body: 'contract test' },
  configureSteps: { steps: [{ approver_id: randomUUID(), step_order: 1 }] },
  voteStep: { decision: 'approve' },
  updateOrg: { emergency_stop: false },
  updateSlackSettings: { bot_token: 'xoxb-1111-2222-abcdefghijklmnop', signing_secret: 'abcdefghijklmnop1234', default_channel: '#approvals' },
  createOAuthClient: { name: 'Zapier', redirect_uris: ['https://zapier.com/dashboard/auth/oauth/return/App1/'] },
  addMember: { email: 'contract-test@example.test', role: 'viewer' },
  updateMember: { role: 'approver' },
  createConnection: { name: 'contract test' },
  setPassword: { new_password: 'a long enough password' },
};
const bodyFor = (route: RouteDef) => (route.request.body ? (SAMPLE_BODIES[route.operationId as OperationId] ?? {}) : undefined);

function send(method: (typeof METHODS)[number], path: string, key?: string, body?: object) {
  let req = supertest(server.url)[method](path);
  if (key) req = req.set('Authorization', `Bearer ${key}`);
  return body ? req.send(body) : req;
}

/** A long poll is asked to wait 1 s; an event stream never ends, so it is judged by its status and type, then closed. */
async function call(route: RouteDef, path: string, key: string) {
  if (route.responses[200]?.contentType === 'text/event-stream') {
    const s = await openSse(`${server.url}${path}`, { key });
    s.close();
    expect(s.status, route.operationId).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    return undefined;
  }
  return send(route.method, route.operationId === 'waitForApproval' ? `${path}?timeout=1` : path, key, bodyFor(route));
}

/** Every status a route may answer according to the document: its responses, its errors, and 401/429/500. */
const documentedStatuses = (route: RouteDef) => [...Object.keys(route.responses).map(Number), ...route.errors, 401, 429, 500];

function expectDocumentedAnswer(route: RouteDef, res: supertest.Response) {
  expect(documentedStatuses(route), `${route.operationId} answered ${res.status}: ${res.text}`).toContain(res.status);
  const success = route.responses[res.status];
  if (success) expect(success.schema.safeParse(res.body).success, `${route.operationId} body`).toBe(true);
  else expect(errorBodyOf(route).safeParse(res.body).success, `${route.operationId} error body: ${res.text}`).toBe(true);
}

describe('the OpenAPI document', () => {
  it('GET /api/v1/openapi.json is the document built from the contract, and the committed file', async () => {
    const res = await supertest(server.url).get('/api/v1/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const built = JSON.parse(JSON.stringify(buildOpenApiDocument()));
    expect(res.body).toEqual(built);
    // Drift between the contract and the committed file fails here as well as in CI's generate check.
    expect(COMMITTED).toEqual(built);
    expect(res.body.openapi).toBe('3.1.0');
  });

  it('documents exactly the routes of the route table', () => {
    const documented = Object.entries(COMMITTED.paths as Record<string, Record<string, { operationId: string }>>).flatMap(
      ([path, ops]) => Object.entries(ops).map(([method, op]) => `${op.operationId} ${method} ${path}`),
    );
    expect(documented.sort()).toEqual(ROUTE_LIST.map((r) => `${r.operationId} ${r.method} ${r.path}`).sort());
  });
});

describe('the routes served', () => {
  it.each(ROUTE_LIST.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s is served (401 without credentials, not 404)', async (_n, route) => {
    const path = route.path.replace(/\{\w+\}/g, () => randomUUID());
    const res = await send(route.method, path, undefined, bodyFor(route));
    expect(res.status).toBe(401);
    expect(errorBodyOf(route).safeParse(res.body).success).toBe(true);
  });

  it('no method is served on a documented path beyond the documented ones', async () => {
    for (const [path, ops] of Object.entries(COMMITTED.paths as Record<string, Record<string, unknown>>)) {
      const concrete = path.replace(/\{\w+\}/g, () => randomUUID());
      const route = ROUTE_LIST.find((r) => r.path === path)!;
      for (const method of METHODS.filter((m) => !(m in ops))) {
        const res = await send(method, concrete, seed.key, {});
        expect(res.status, `${method.toUpperCase()} ${path}`).toBe(405);
        expect(errorBodyOf(route).safeParse(res.body).success).toBe(true);
        if (!route.dialect) expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
        const allowed = Object.keys(ops).map((m) => m.toUpperCase());
        expect(String(res.headers.allow).split(', ').filter((m: string) => m !== 'HEAD').sort()).toEqual(allowed.sort());
      }
    }
  });

  it('with unknown ids, every route answers a documented status with a documented body', async () => {
    for (const route of ROUTE_LIST) {
      const path = route.path.replace(/\{\w+\}/g, () => randomUUID());
      const res = await call(route, path, seed.key);
      if (res) expectDocumentedAnswer(route, res);
    }
  });

  it('on an existing request, every route answers a documented status with a documented body', async () => {
    const org = await seedOrg(server.db);
    const created = await send('post', '/api/v1/approvals', org.key, approvalBody()).expect(201);
    // Reads first, then changes, the cancellation last: each answer still has to be documented.
    const order = [...ROUTE_LIST].sort((a, b) => Number(a.authorization.emergencyStop === 'refused') - Number(b.authorization.emergencyStop === 'refused') || Number(a.method === 'delete') - Number(b.method === 'delete'));
    for (const route of order) {
      const path = route.path.replace('{id}', created.body.id).replace(/\{\w+\}/g, () => randomUUID());
      const res = await call(route, path, org.key);
      if (!res) continue;
      expectDocumentedAnswer(route, res);
      // Everything an approvals:read key may read about the request is there to read.
      // (Other resources by id, such as a team, are not this request: a random id is not found.)
      if (route.authorization.scope === 'approvals:read' && (!route.path.includes('{') || route.path.startsWith('/api/v1/approvals/{id}'))) {
        expect(res.status, `${route.operationId}: ${res.text}`).toBe(200);
      }
    }
  });
});

describe('the routes of people signed in to the dashboard', () => {
  it('with an admin session, each answers a documented status with a documented body', async () => {
    const org = await seedOrg(server.db);
    const admin = await signedIn(server, org);
    const ids: Record<string, string> = {
      revokeOAuthClient: (await admin.http().post('/api/v1/oauth-clients').send(SAMPLE_BODIES.createOAuthClient!).expect(201)).body.id,
      updateMember: (await org.addUser('viewer')).id,
      removeMember: (await org.addUser('viewer')).id,
      revokeConnection: (await org.newKey()).connectionId,
    };
    const people = ROUTE_LIST.filter((r) => ['updateOrg', 'listOAuthClients', 'createOAuthClient', 'revokeOAuthClient', 'listMembers', 'addMember', 'updateMember', 'removeMember', 'listConnections', 'createConnection', 'revokeConnection', 'setPassword'].includes(r.operationId));
    expect(people).toHaveLength(12);
    for (const route of people) {
      for (const id of [ids[route.operationId], randomUUID()]) {
        if (id === undefined) continue;
        const path = route.path.replace(/\{\w+\}/g, id);
        const agent = admin.http();
        const req = agent[route.method](path);
        const res = await (route.request.body ? req.send(bodyFor(route)!) : req);
        expectDocumentedAnswer(route, res);
        expect(res.status, `${route.operationId}: ${res.text}`).toBe(id === ids[route.operationId] || !route.path.includes('{') ? Number(Object.keys(route.responses)[0]) : 404);
      }
    }
  });
});

describe('interactive docs', () => {
  it('/docs serves HTML that loads the bundled Swagger UI, from this server only', async () => {
    const res = await supertest(server.url).get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<script src="/docs/assets/swagger-ui-bundle.js"></script>');
    // No inline script and no CDN: the default CSP (script-src 'self') holds.
    const scripts = [...res.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, inline] of scripts) {
      expect(attrs).toMatch(/src="\/docs\//);
      expect(inline!.trim()).toBe('');
    }
    expect(res.text).not.toMatch(/https?:\/\//);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('the Swagger UI bundle, its stylesheet and the init script are served', async () => {
    const bundle = await supertest(server.url).get('/docs/assets/swagger-ui-bundle.js').expect(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.text).toContain('SwaggerUIBundle');
    const css = await supertest(server.url).get('/docs/assets/swagger-ui.css').expect(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const init = await supertest(server.url).get('/docs/init.js').expect(200);
    expect(init.text).toContain("url: '/api/v1/openapi.json'");
  });
});
