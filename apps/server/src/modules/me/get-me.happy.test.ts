import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('GET /api/v1/me', () => {
  it('describes the calling connection, its org and scopes', async () => {
    const seed = await seedOrg(server.db);
    const res = await server.http(seed.key).get('/api/v1/me').expect(200);
    expect(res.body).toMatchObject({
      org: { id: seed.org.id, slug: seed.org.slug, name: 'Acme', emergency_stop: false },
      connection: { id: seed.connectionId, name: 'primary', auth_type: 'api_key', rate_limit: 10000 },
      user: null,
      scopes: ['approvals:read', 'approvals:write', 'comments:write'],
      // No GREENLIGHT_SMTP_URL here: the dashboard says email is off.
      notifications: { email: false, slack: false, telegram: false, discord: false, msteams: false },
    });
    expect(res.headers['x-ratelimit-limit']).toBe('10000');
    expect(res.headers['x-ratelimit-remaining']).toBe('9999');
    expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
  });

  it('works for a connection holding a single scope', async () => {
    const seed = await seedOrg(server.db);
    const { key } = await seed.newKey({ scopes: ['comments:write'] });
    const res = await server.http(key).get('/api/v1/me').expect(200);
    expect(res.body.scopes).toEqual(['comments:write']);
  });
});
