/**
 * Malformed SCIM requests (fast-check, bounded in time): random JSON bodies and PATCH operations, odd
 * filters, ids and query values against every SCIM endpoint. Every answer is below 500; every refusal
 * is SCIM's error body with its status as a string; a refused request writes nothing.
 */
import fc from 'fast-check';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { ERROR_SCHEMA, scimClient, USER_SCHEMA, type ScimClient } from '../../testing/scim.ts';

let server: TestServer;
let scim: ScimClient;
let ids: string[];
beforeAll(async () => {
  server = await startTestServer();
  const seed = await seedOrg(server.db);
  scim = await scimClient(server, seed);
  const user = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'fuzz@example.test', active: true }).expect(201)).body.id as string;
  const group = (await scim.post('/Groups', { displayName: 'Fuzz', members: [{ value: user }] }).expect(201)).body.id as string;
  ids = [user, group, seed.admin.id];
}, 60_000);
afterAll(() => server.stop());

const odd = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 't\ud800', '\u{1F600}', 'null', '1e309', '"', '[', ']', '(', 'eq', 'not', '__proto__', "'; DROP TABLE users; --"),
  fc.string({ maxLength: 60 }),
);
const attr = fc.constantFrom('userName', 'active', 'name.givenName', 'emails[type eq "work"].value', 'members', 'members[value eq "x"]', 'displayName', 'externalId', 'emails', 'name', 'x.y.z', '');
const jsonish = fc.jsonValue({ maxDepth: 3 });
const operation = fc.record(
  { op: fc.oneof(fc.constantFrom('add', 'Add', 'replace', 'Replace', 'remove', 'Remove', 'copy'), odd), path: fc.oneof(attr, odd), value: fc.oneof(jsonish, fc.constant(false), fc.constant('False')) },
  { requiredKeys: [] },
);
const body = fc.oneof(
  jsonish,
  fc.record({ schemas: fc.array(odd, { maxLength: 2 }), Operations: fc.oneof(fc.array(operation, { maxLength: 4 }), jsonish) }, { requiredKeys: [] }),
  fc.record(
    { userName: fc.oneof(odd, fc.emailAddress()), active: fc.oneof(fc.boolean(), odd), name: jsonish, emails: jsonish, externalId: fc.oneof(odd, jsonish), displayName: odd, members: jsonish },
    { requiredKeys: [] },
  ),
);
const request = fc.record({
  method: fc.constantFrom('get', 'post', 'put', 'patch', 'delete') as fc.Arbitrary<'get' | 'post' | 'put' | 'patch' | 'delete'>,
  resource: fc.constantFrom('Users', 'Groups', 'Schemas', 'ResourceTypes', 'ServiceProviderConfig'),
  id: fc.option(fc.oneof(fc.constantFrom(...['a', 'b', 'c']), odd), { nil: undefined }),
  filter: fc.option(fc.oneof(odd, attr.chain((a) => odd.map((v) => `${a} eq "${v}"`))), { nil: undefined }),
  startIndex: fc.option(fc.oneof(fc.integer(), odd), { nil: undefined }),
  body,
});

/** A lone surrogate cannot be percent-encoded: it goes as the malformed escape it would be. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

async function counts() {
  const { rows } = await server.db.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM scim_users) || '/' || (SELECT count(*) FROM memberships) || '/' || (SELECT count(*) FROM teams) || '/' || (SELECT count(*) FROM team_members) AS n`,
  );
  return rows[0]!.n;
}

describe('fuzzed SCIM requests', () => {
  it('never answer 5xx, answer every refusal in SCIM form, and write nothing when refused', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const id = r.id === undefined ? '' : `/${encode(['a', 'b', 'c'].includes(r.id) ? ids[['a', 'b', 'c'].indexOf(r.id)]! : r.id)}`;
        const query = new URLSearchParams();
        if (r.filter !== undefined) query.set('filter', r.filter);
        if (r.startIndex !== undefined) query.set('startIndex', String(r.startIndex));
        const path = `/scim/v2/${r.resource}${id}${query.size > 0 ? `?${query}` : ''}`;
        const before = await counts();
        let req = supertest(server.url)[r.method](path).set('Authorization', `Bearer ${scim.token}`);
        if (r.method === 'post' || r.method === 'put' || r.method === 'patch') req = req.set('Content-Type', 'application/scim+json').send(JSON.stringify(r.body) ?? 'null');
        const res = await req;
        expect(res.status, `${r.method} ${path}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.schemas, `${r.method} ${path}: ${res.text}`).toEqual([ERROR_SCHEMA]);
          expect(res.body.status).toBe(String(res.status));
          expect(await counts(), `${r.method} ${path} → ${res.status} wrote a row`).toBe(before);
        }
      }),
      { numRuns: 600, interruptAfterTimeLimit: 40_000, markInterruptAsFailure: false },
    );
    await scim.get('/ServiceProviderConfig').expect(200);
  });
});
