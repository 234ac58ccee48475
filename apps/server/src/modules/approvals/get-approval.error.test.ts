import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('GET /api/v1/approvals/:id — errors', () => {
  it.each([
    ['not a UUID', 'not-a-uuid', 'resource not found'],
    ['a number', '12345', 'resource not found'],
    ['a UUID with a trailing character', '6f1c2b0e-8a4d-4c3e-9b7a-1d2e3f4a5b6cx', 'resource not found'],
    ['SQL', "1' OR '1'='1", 'resource not found'],
    ['an unknown UUID', '6f1c2b0e-8a4d-4c3e-9b7a-1d2e3f4a5b6c', 'approval request not found'],
  ])('%s → 404 NOT_FOUND', async (_name, id, message) => {
    const res = await server.http(seed.key).get(`/api/v1/approvals/${encodeURIComponent(id)}`).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message, request_id: expect.any(String) });
  });
});
