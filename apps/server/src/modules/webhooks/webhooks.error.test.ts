import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES, WEBHOOK_LIMITS } from '@greenlight/contract';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const url = 'https://hooks.example.com/greenlight';
const events = ['approval.approved'];

describe('POST /api/v1/webhooks — refusals (400 VALIDATION_ERROR)', () => {
  it.each([
    ['no url', { events }, 'url is required'],
    ['no events', { url }, 'events is required'],
    ['an empty events list', { url, events: [] }, 'events: Too small: expected array to have >=1 items'],
    ['an unknown event type', { url, events: ['nope'] }, `events.0: Invalid option: expected one of ${EVENT_TYPES.map((t) => `"${t}"`).join('|')}`],
    ['events as a string', { url, events: 'approval.created' }, 'events: Invalid input: expected array, received string'],
    ['an ftp url', { url: 'ftp://hooks.example.com/x', events }, 'url: Invalid URL'],
    ['a url that is not one', { url: 'hooks.example.com/x', events }, 'url: Invalid URL'],
    ['a url over 2048 characters', { url: `https://hooks.example.com/${'x'.repeat(2048)}`, events }, 'url: Too big: expected string to have <=2048 characters'],
    ['a description over 500 characters', { url, events, description: 'x'.repeat(501) }, 'description: Too big: expected string to have <=500 characters'],
    ['a secret of its own choosing', { url, events, secret: 'whsec_AAAA' }, 'unknown field: secret'],
    ['a url on a private network', { url: 'http://192.168.1.20/hook', events }, 'url: 192.168.1.20 is a private network address; Greenlight does not deliver to internal networks'],
  ])('%s', async (_case, body, message) => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).post('/api/v1/webhooks').send(body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
    const { rows } = await server.db.query('SELECT 1 FROM webhook_subscriptions WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(0);
  });
});

describe('limits', () => {
  it(`refuses subscription ${WEBHOOK_LIMITS.subscriptionsPerOrg + 1} (409 LIMIT_REACHED); deleting one makes room`, async () => {
    const seed = await seedOrg(server.db);
    const ids = await Promise.all(
      Array.from({ length: WEBHOOK_LIMITS.subscriptionsPerOrg }, async (_, i) =>
        (await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${url}/${i}`, events }).expect(201)).body.id as string,
      ),
    );
    const res = await server.http(seed.key).post('/api/v1/webhooks').send({ url, events }).expect(409);
    expect(res.body.error).toMatchObject({
      code: 'LIMIT_REACHED',
      message: 'an organization can have at most 50 webhook subscriptions; delete one first',
      details: { limit: 50 },
    });
    await server.http(seed.key).delete(`/api/v1/webhooks/${ids[0]}`).expect(200);
    await server.http(seed.key).post('/api/v1/webhooks').send({ url, events }).expect(201);
  });

  it('concurrent creates cannot exceed the limit', async () => {
    const seed = await seedOrg(server.db);
    const results = await Promise.all(
      Array.from({ length: WEBHOOK_LIMITS.subscriptionsPerOrg + 10 }, (_, i) => server.http(seed.key).post('/api/v1/webhooks').send({ url: `${url}/${i}`, events })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(50);
    expect(results.filter((r) => r.status === 409)).toHaveLength(10);
  });
});

describe('unknown subscriptions and deliveries → 404', () => {
  it.each([
    ['GET', (id: string) => `/api/v1/webhooks/${id}`, 'webhook subscription not found'],
    ['DELETE', (id: string) => `/api/v1/webhooks/${id}`, 'webhook subscription not found'],
    ['POST', (id: string) => `/api/v1/webhooks/${id}/rotate-secret`, 'webhook subscription not found'],
    ['POST', (id: string) => `/api/v1/deliveries/${id}/redeliver`, 'delivery not found'],
  ] as const)('%s %s', async (method, path, message) => {
    const seed = await seedOrg(server.db);
    const http = server.http(seed.key);
    const call = (p: string) => (method === 'GET' ? http.get(p) : method === 'DELETE' ? http.delete(p) : http.post(p));
    const unknown = await call(path(randomUUID())).expect(404);
    expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND', message });
    const malformed = await call(path('not-a-uuid')).expect(404);
    expect(malformed.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'resource not found' });
  });
});

describe('GET /api/v1/deliveries — bad filters (400)', () => {
  it.each([
    ['status=nope', 'status: Invalid option: expected one of "pending"|"delivering"|"delivered"|"failed"|"gone"'],
    ['approval_id=nope', 'approval_id: Invalid UUID'],
    ['subscription_id=1', 'subscription_id: Invalid UUID'],
    ['page=0', 'page: Too small: expected number to be >=1'],
  ])('%s', async (query, message) => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).get(`/api/v1/deliveries?${query}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
  });
});
