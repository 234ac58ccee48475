/**
 * Rate limits over HTTP (the v1 API's "Rate Limits"): per connection, a sliding window of one
 * hour, X-RateLimit-* on every authenticated response, 429 RATE_LIMITED with Retry-After.
 * On the server:postgres project the harness puts the limiter on Redis, so this runs on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { createConnection } from '../modules/connections/connections.ts';
import { RATE_LIMIT_WINDOW_SECONDS } from './rate-limit.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

/**
 * Windows end on the clock's hour; a test that must see one window whole waits out the last
 * seconds of an hour rather than straddle it.
 */
async function clearOfWindowEnd(seconds = 20) {
  const left = RATE_LIMIT_WINDOW_SECONDS - ((Date.now() / 1000) % RATE_LIMIT_WINDOW_SECONDS);
  if (left < seconds) await new Promise((r) => setTimeout(r, left * 1000 + 1_000));
}

const limitHeaders = (res: Response) => ({
  limit: Number(res.headers['x-ratelimit-limit']),
  remaining: Number(res.headers['x-ratelimit-remaining']),
  reset: Number(res.headers['x-ratelimit-reset']),
});

// Room for clearOfWindowEnd's wait on top of the requests themselves.
describe('rate limits', { timeout: 90_000 }, () => {
  it('lets 100 requests through counting down Remaining, then answers the 101st with 429', async () => {
    await clearOfWindowEnd();
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ rateLimit: 100 });
    const http = server.http(key);

    const resets = new Set<number>();
    for (let i = 1; i <= 100; i++) {
      const res = await http.get('/api/v1/me');
      expect(res.status).toBe(200);
      const h = limitHeaders(res);
      expect(h).toMatchObject({ limit: 100, remaining: 100 - i });
      resets.add(h.reset);
    }
    expect(resets.size).toBe(1);

    const before = Date.now();
    const res = await http.get('/api/v1/me');
    const after = Date.now();
    expect(res.status).toBe(429);
    const h = limitHeaders(res);
    expect(h).toEqual({ limit: 100, remaining: 0, reset: [...resets][0] });

    const retryAfter = Number(res.headers['retry-after']);
    expect(String(retryAfter)).toBe(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // Reset rounds up and Retry-After counts from the response's whole second, so it may exceed
    // the window by one second, never more.
    expect(retryAfter).toBeLessThanOrEqual(RATE_LIMIT_WINDOW_SECONDS + 1);
    // Retry-After counts from the whole second of the response to Reset: waiting it out is never early.
    expect(h.reset - retryAfter).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(h.reset - retryAfter).toBeLessThanOrEqual(Math.floor(after / 1000));
    // Reset is when the first of the hundred leaves the sliding window.
    expect(h.reset).toBeGreaterThan(after / 1000);

    expect(res.body).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: `rate limit of 100 requests per hour exceeded; retry in ${retryAfter} s`,
        details: { limit: 100, reset: h.reset, retry_after_seconds: retryAfter },
        request_id: res.headers['x-request-id'],
      },
    });

    // Still refused, with the same Reset: a refused request takes no slot.
    const again = await http.get('/api/v1/me');
    expect(again.status).toBe(429);
    expect(limitHeaders(again)).toEqual(h);
  });

  it('gives a connection created without a limit the default of 100 per hour', async () => {
    const seed = await seedOrg(server.db);
    const { apiKey } = await createConnection(server.db, { orgId: seed.org.id, name: 'defaults' });
    const res = await server.http(apiKey).get('/api/v1/me').expect(200);
    expect(res.body.connection.rate_limit).toBe(100);
    expect(limitHeaders(res)).toMatchObject({ limit: 100, remaining: 99 });
  });

  it('honours a per-connection limit up to 10,000 per hour', async () => {
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ rateLimit: 10_000 });
    const res = await server.http(key).get('/api/v1/me').expect(200);
    expect(limitHeaders(res)).toMatchObject({ limit: 10_000, remaining: 9_999 });
  });

  it('applies a changed limit on the next request, to the count already made', async () => {
    await clearOfWindowEnd();
    const seed = await seedOrg(server.db);
    const { key, connectionId } = await seed.newKey({ rateLimit: 100 });
    const http = server.http(key);
    for (let i = 0; i < 5; i++) await http.get('/api/v1/me').expect(200);

    // Written by hand, as an operator would in psql: the change reaches the process's cached key
    // through the connections trigger (storage/functions/announce_auth_change.sql) and its NOTIFY, a moment after the commit.
    await server.db.query('UPDATE connections SET rate_limit = 3 WHERE id = $1', [connectionId]);
    await server.keyForgotten(key);
    const lowered = await http.get('/api/v1/me').expect(429);
    expect(limitHeaders(lowered)).toMatchObject({ limit: 3, remaining: 0 });

    await server.db.query('UPDATE connections SET rate_limit = 10 WHERE id = $1', [connectionId]);
    await server.keyForgotten(key);
    const raised = await http.get('/api/v1/me').expect(200);
    // The five allowed stay counted; the refused one took no slot.
    expect(limitHeaders(raised)).toMatchObject({ limit: 10, remaining: 4 });
  });

  it('puts the headers on error responses of an authenticated request too', async () => {
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ rateLimit: 50, scopes: ['approvals:read'] });
    const res = await server.http(key).post('/api/v1/approvals').send({ title: 'x' }).expect(403);
    expect(res.body.error.code).toBe('INSUFFICIENT_SCOPE');
    expect(limitHeaders(res)).toMatchObject({ limit: 50, remaining: 49 });
  });
});
