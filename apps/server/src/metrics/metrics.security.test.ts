/**
 * Metrics name routes, counts and backlogs of every org: off unless a token is configured, and then
 * only for the scraper that sends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
let on: TestServer;
let off: TestServer;
beforeAll(async () => {
  [on, off] = await Promise.all([startTestServer({ config: { GREENLIGHT_METRICS_TOKEN: TOKEN } }), startTestServer()]);
}, 60_000);
afterAll(() => Promise.all([on.stop(), off.stop()]), 60_000);

describe('GET /metrics', () => {
  it('is not served, and nothing is collected, without GREENLIGHT_METRICS_TOKEN', async () => {
    const res = await off.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(off.deps.metrics).toBeUndefined();
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', `Bearer ${TOKEN.slice(0, -1)}x`],
    ['the token without its scheme', TOKEN],
    ['a longer token with the right prefix', `Bearer ${TOKEN}x`],
    ['an API key scheme', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`],
  ])('refuses %s with 401 in the error envelope and no figures', async (_what, header) => {
    const req = on.http().get('/metrics');
    const res = await (header === undefined ? req : req.set('Authorization', header)).expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(res.text).not.toContain('greenlight_');
  });

  it('refuses a token short enough to guess at start-up', () => {
    expect(() => loadConfig({ GREENLIGHT_METRICS_TOKEN: 'short' })).toThrow(/GREENLIGHT_METRICS_TOKEN: must be at least 16 characters/);
  });
});
