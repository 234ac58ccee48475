import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { openSse, type SseStream } from './sse-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const streams: SseStream[] = [];
afterAll(() => streams.forEach((s) => s.close()));

describe('waiting and streaming stay inside the caller’s org', () => {
  it('a long poll on another org’s request is a 404, exactly like an unknown id, and registers nothing', async () => {
    const [acme, other] = [await seedOrg(server.db), await seedOrg(server.db, 'Other')];
    const theirs = (await server.http(other.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
    const before = server.deps.bus.size;
    const res = await server.http(acme.key).get(`/api/v1/approvals/${theirs}/wait?timeout=5`).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'approval request not found' });
    expect(server.deps.bus.size).toBe(before);
  });

  it('the event stream carries only the caller’s org, live and on replay from 0', async () => {
    const [acme, other] = [await seedOrg(server.db), await seedOrg(server.db, 'Other')];
    const live = await openSse(`${server.url}/api/v1/events`, { key: acme.key });
    const replay = await openSse(`${server.url}/api/v1/events?last_event_id=0`, { key: acme.key });
    streams.push(live, replay);
    await server.http(other.key).post('/api/v1/approvals').send(approvalBody({ title: 'theirs' })).expect(201);
    const mine = (await server.http(acme.key).post('/api/v1/approvals').send(approvalBody({ title: 'mine' })).expect(201)).body.id;
    await live.waitFor(1);
    await replay.waitFor(1);
    await sleep(200);
    for (const s of [live, replay]) {
      expect(s.messages).toHaveLength(1);
      expect(JSON.parse(s.messages[0]!.data).data).toMatchObject({ org_id: acme.org.id, approval_id: mine });
    }
  });

  it.each([
    ['wait', (id: string) => `/api/v1/approvals/${id}/wait?timeout=1`],
    ['events', () => '/api/v1/events'],
  ])('%s needs approvals:read (403) and credentials (401)', async (_name, path) => {
    const seed = await seedOrg(server.db);
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
    const writeOnly = await seed.newKey({ scopes: ['approvals:write'] });
    const denied = await server.http(writeOnly.key).get(path(id)).expect(403);
    expect(denied.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', message: 'this credential lacks the approvals:read scope' });
    const anonymous = await server.http().get(path(id)).expect(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
  });
});
