/**
 * Credentials guessed from one client address (OWASP API2): every request presenting an invalid
 * credential counts against the address; over the limit the address gets 429 instead of 401, also
 * for a valid key it has not used before (no oracle for a correct guess), while keys already in use
 * keep working and other addresses are not affected.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { RATE_LIMIT_WINDOW_SECONDS } from './rate-limit.ts';
import { ConfigSchema } from '../config.ts';

const AUTH_FAILURE_LIMITS = { perIp: ConfigSchema.parse({}).GREENLIGHT_AUTH_FAILURES_PER_IP };
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_AUTH_FAILURES_PER_IP: String(AUTH_FAILURE_LIMITS.perIp) } });
}, 60_000);
afterAll(() => server.stop(), 60_000);

const guess = () => `gk_${randomBytes(32).toString('hex')}`;

describe('invalid credentials per client address', { timeout: 120_000 }, () => {
  it(`answers 401 to ${AUTH_FAILURE_LIMITS.perIp} invalid keys from one address, then 429 with Retry-After`, async () => {
    const left = RATE_LIMIT_WINDOW_SECONDS - ((Date.now() / 1000) % RATE_LIMIT_WINDOW_SECONDS);
    if (left < 30) await new Promise((r) => setTimeout(r, left * 1000 + 1_000));
    const seed = await seedOrg(server.db);
    const inUse = await seed.newKey();
    await server.http(inUse.key).get('/api/v1/me').expect(200);
    const unused = await seed.newKey();

    for (let i = 0; i < AUTH_FAILURE_LIMITS.perIp; i++) {
      const key = i % 3 === 0 ? 'gk_malformed' : guess();
      const res = await server.http(key).get('/api/v1/me');
      expect(res.status).toBe(401);
    }
    for (const key of [guess(), 'gk_malformed', unused.key]) {
      const res = await server.http(key).get('/api/v1/approvals');
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
      expect(res.headers['x-ratelimit-limit']).toBe(String(AUTH_FAILURE_LIMITS.perIp));
      expect(res.headers['x-ratelimit-remaining']).toBe('0');
    }
    // A key this address already used successfully is not a guess.
    await server.http(inUse.key).get('/api/v1/me').expect(200);
  });
});
