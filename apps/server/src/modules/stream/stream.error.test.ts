import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
let seed: SeededOrg;
let approvalId: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  approvalId = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
}, 60_000);
afterAll(() => server.stop(), 60_000);

describe('GET /approvals/:id/wait refuses', () => {
  it.each([
    ['0', 'timeout: Too small: expected number to be >=1'],
    ['61', 'timeout: Too big: expected number to be <=60'],
    ['1.5', 'timeout: Invalid input: expected int, received number'],
    ['abc', 'timeout: Invalid input: expected number, received NaN'],
  ])('timeout=%s', async (timeout, message) => {
    const res = await server.http(seed.key).get(`/api/v1/approvals/${approvalId}/wait?timeout=${timeout}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
  });

  it.each([
    ['an unknown id', '00000000-0000-4000-8000-000000000000', 'approval request not found'],
    ['a malformed id', 'not-a-uuid', 'resource not found'],
  ])('%s with 404', async (_name, id, message) => {
    const res = await server.http(seed.key).get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message });
  });
});

describe('GET /api/v1/events refuses', () => {
  it.each([
    ['a negative id', { 'Last-Event-ID': '-1' }, '', 'last-event-id: must be an event id (a non-negative integer)'],
    ['a non-number', { 'Last-Event-ID': 'abc' }, '', 'last-event-id: must be an event id (a non-negative integer)'],
    ['an id beyond int8', { 'Last-Event-ID': '9223372036854775808' }, '', 'last-event-id: must be an event id (a non-negative integer)'],
    ['a bad query cursor', {}, '?last_event_id=1e3', 'last_event_id: must be an event id (a non-negative integer)'],
  ])('%s', async (_name, headers: Record<string, string>, query, message) => {
    const res = await server.http(seed.key).get(`/api/v1/events${query}`).set(headers).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
  });
});
