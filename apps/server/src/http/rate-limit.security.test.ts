/**
 * Rate limits as a protection (OWASP API4): a refused request does nothing, every
 * authenticated attempt counts, and one connection's exhaustion is nobody else's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { RATE_LIMIT_WINDOW_SECONDS } from './rate-limit.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

async function clearOfWindowEnd(seconds = 20) {
  const left = RATE_LIMIT_WINDOW_SECONDS - ((Date.now() / 1000) % RATE_LIMIT_WINDOW_SECONDS);
  if (left < seconds) await new Promise((r) => setTimeout(r, left * 1000 + 1_000));
}

async function exhausted(limit: number, scopes?: Parameters<Awaited<ReturnType<typeof seedOrg>>['newKey']>[0]) {
  const seed = await seedOrg(server.db);
  const conn = await seed.newKey({ ...scopes, rateLimit: limit });
  for (let i = 0; i < limit; i++) await server.http(conn.key).get('/api/v1/me').expect(200);
  return { seed, ...conn };
}

const approvalsOf = async (orgId: string) =>
  (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM approvals WHERE org_id = $1', [orgId])).rows[0]?.n;

// Room for clearOfWindowEnd's wait on top of the requests themselves.
describe('rate limits', { timeout: 90_000 }, () => {
  it('refuses a write over the limit before it reaches the handler: nothing is created', async () => {
    await clearOfWindowEnd();
    const { seed, key } = await exhausted(5);
    const res = await server.http(key).post('/api/v1/approvals').send(approvalBody()).expect(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await approvalsOf(seed.org.id)).toBe(0);
  });

  it('leaves other connections of the same org, and other orgs, unaffected', async () => {
    await clearOfWindowEnd();
    const { seed, key } = await exhausted(5);
    await server.http(key).get('/api/v1/me').expect(429);

    const sibling = await seed.newKey({ rateLimit: 5 });
    const res = await server.http(sibling.key).get('/api/v1/me').expect(200);
    expect(res.headers['x-ratelimit-remaining']).toBe('4');

    const other = await seedOrg(server.db);
    const otherKey = await other.newKey({ rateLimit: 5 });
    expect((await server.http(otherKey.key).get('/api/v1/me').expect(200)).headers['x-ratelimit-remaining']).toBe('4');
  });

  it('counts requests that fail later checks, so a scope probe uses up the allowance too', async () => {
    await clearOfWindowEnd();
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ rateLimit: 3, scopes: ['approvals:read'] });
    for (let i = 0; i < 3; i++) await server.http(key).post('/api/v1/approvals').send(approvalBody()).expect(403);
    const res = await server.http(key).get('/api/v1/me').expect(429);
    expect(res.body.error.code).toBe('RATE_LIMITED');
  });

  it('does not count requests with an invalid key against any connection', async () => {
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ rateLimit: 3 });
    const wrong = `gk_${'0'.repeat(64)}`;
    for (let i = 0; i < 5; i++) {
      const res = await server.http(wrong).get('/api/v1/me').expect(401);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    expect((await server.http(key).get('/api/v1/me').expect(200)).headers['x-ratelimit-remaining']).toBe('2');
  });
});
