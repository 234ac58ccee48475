/**
 * Per-address rate limits (sign-in, OAuth token requests, invalid keys) count a client under its
 * address. Behind a reverse proxy every peer address is the proxy's, so the client's comes from
 * X-Forwarded-For — believed only from the proxies GREENLIGHT_TRUST_PROXY names, never from anyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { memoryRateLimitStore, type RateLimitStore } from './rate-limit.ts';

/** The real in-process store, with the keys it was asked to count. */
function recordingStore(): RateLimitStore & { keys: string[] } {
  const store = memoryRateLimitStore();
  const keys: string[] = [];
  return {
    kind: store.kind,
    keys,
    consume: (key, limit) => {
      keys.push(key);
      return store.consume(key, limit);
    },
    close: () => store.close(),
  };
}

const behind = recordingStore();
const direct = recordingStore();
let proxied: TestServer;
let exposed: TestServer;
beforeAll(async () => {
  [proxied, exposed] = await Promise.all([
    startTestServer({ config: { GREENLIGHT_TRUST_PROXY: 'loopback' }, rateLimit: behind }),
    startTestServer({ rateLimit: direct }),
  ]);
}, 60_000);
afterAll(() => Promise.all([proxied.stop(), exposed.stop()]), 60_000);

const tokenRequest = (server: TestServer) =>
  server.http().post('/oauth/token').set('X-Forwarded-For', '198.51.100.4, 203.0.113.9').type('form').send({ grant_type: 'password' });

describe('GREENLIGHT_TRUST_PROXY', () => {
  it('set to the proxy: the client is counted under the address the proxy saw', async () => {
    await tokenRequest(proxied);
    expect(behind.keys).toContain('oauth-token:ip:203.0.113.9');
  });

  it('unset: X-Forwarded-For is ignored, whoever sends it', async () => {
    await tokenRequest(exposed);
    const ipKeys = direct.keys.filter((k) => k.startsWith('oauth-token:ip:'));
    expect(ipKeys.length).toBeGreaterThan(0);
    for (const k of ipKeys) expect(k).toMatch(/^oauth-token:ip:(::ffff:)?127\.0\.0\.1$/);
  });

  it.each([
    ['true', /not "true"/],
    ['10.0.0.0/33', /must be a hop count or a list of addresses/],
    ['loopback, not-an-address', /must be a hop count or a list of addresses/],
  ])('refuses %s at start-up', (value, message) => {
    expect(() => loadConfig({ GREENLIGHT_TRUST_PROXY: value })).toThrow(message);
  });

  it.each([
    ['1', 1],
    ['loopback', ['loopback']],
    ['10.0.0.0/8, fd00::/8', ['10.0.0.0/8', 'fd00::/8']],
  ])('takes %s', (value, parsed) => {
    expect(loadConfig({ GREENLIGHT_TRUST_PROXY: value }).GREENLIGHT_TRUST_PROXY).toEqual(parsed);
  });
});
