/**
 * Bad input to the approval-runs API: its document names only "404 Resource not found", so
 * Greenlight's envelope answers every error, with a 4xx, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let runsPath: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const member = await seed.addUser('approver');
  const flowId = (await admin.http().post('/api/v1/flows').send({ name: 'Review', steps: [{ approvers: { user_ids: [member.id] } }] }).expect(201)).body.id;
  for (let i = 0; i < 3; i++) {
    await server.http(seed.key).post('/api/v1/approvals').send({ title: `Run ${i}`, description: 'd', priority: 'low', flow_id: flowId }).expect(201);
  }
  runsPath = `/organizations/${seed.org.id}/approvals/${flowId}/runs`;
}, 60_000);
afterAll(() => server?.stop());

const envelope = (code: string, message: string) => ({ error: expect.objectContaining({ code, message, request_id: expect.any(String) }) });

describe('the list refuses bad query parameters with 400', () => {
  it.each([
    ['limit 0', 'limit=0', 'limit: Too small: expected number to be >=1'],
    ['limit above 100', 'limit=101', 'limit: Too big: expected number to be <=100'],
    ['limit not a number', 'limit=ten', 'limit: Invalid input: expected number, received NaN'],
    ['reverse not a boolean', 'reverse=yes', 'reverse: Invalid option: expected one of "true"|"false"'],
    ['a parameter the document does not have', 'page=2', 'unknown query parameter: page'],
  ])('%s', async (_case, query, message) => {
    const res = await server.http(seed.key).get(`${runsPath}?${query}`).expect(400);
    expect(res.body).toEqual(envelope('VALIDATION_ERROR', message));
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON without a position', Buffer.from('{"x":1}').toString('base64url')],
    ['a position that is not a number', Buffer.from('{"s":"1; DROP TABLE approvals","r":false}').toString('base64url')],
  ])('a pageToken %s → 400 INVALID_PAGE_TOKEN', async (_case, token) => {
    const res = await server.http(seed.key).get(`${runsPath}?pageToken=${encodeURIComponent(token)}`).expect(400);
    expect(res.body).toEqual(envelope('INVALID_PAGE_TOKEN', 'pageToken is not a token this list gave'));
  });

  it('a pageToken of the other order → 400 saying so', async () => {
    const first = await server.http(seed.key).get(`${runsPath}?limit=1`).expect(200);
    const res = await server.http(seed.key).get(`${runsPath}?limit=1&reverse=true&pageToken=${encodeURIComponent(first.body.nextPageToken)}`).expect(400);
    expect(res.body).toEqual(envelope('INVALID_PAGE_TOKEN', 'pageToken was given for the other order: send the same reverse as for the first page'));
  });
});

describe('paths that name nothing → 404', () => {
  it.each([
    ['an approvalId that is not a uuid', (p: string) => p.replace(/approvals\/[^/]+/, 'approvals/approval_001'), 'resource not found'],
    ['an approvalRunId that is not a uuid', (p: string) => `${p}/run_001`, 'resource not found'],
    ['an organization that is not the caller’s', (p: string) => p.replace(seed.org.id, 'someone-else'), 'organization not found'],
  ])('%s', async (_case, path, message) => {
    const res = await server.http(seed.key).get(path(runsPath)).expect(404);
    expect(res.body).toEqual(envelope('NOT_FOUND', message));
  });
});

describe('everything else', () => {
  it('a method the path does not serve → 405 with Allow', async () => {
    const res = await server.http(seed.key).post(runsPath).send({}).expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('without credentials → 401 with WWW-Authenticate', async () => {
    const res = await server.http().get(runsPath).expect(401);
    expect(res.body).toEqual(envelope('UNAUTHORIZED', 'missing Authorization header'));
    expect(res.headers['www-authenticate']).toBe('Bearer realm="greenlight"');
  });

  it('a path under /organizations the API does not have → 404 JSON', async () => {
    const res = await server.http(seed.key).get(`/organizations/${seed.org.id}`).expect(404);
    expect(res.body).toEqual(envelope('NOT_FOUND', `no route for GET /organizations/${seed.org.id}`));
  });
});
