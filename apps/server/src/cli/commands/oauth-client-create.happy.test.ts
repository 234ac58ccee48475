import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { OAuthClientCreateArgs, oauthClientCreateCommand } from './oauth-client-create.ts';
import { findActiveClient, secretMatches } from '../../modules/oauth/clients.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('oauth-client create (command logic)', () => {
  it('registers a client and prints the secret once, as JSON', async () => {
    const seed = await seedOrg(server.db);
    const args = OAuthClientCreateArgs.parse({
      org: seed.org.slug,
      name: 'Zapier',
      'redirect-uri': ['https://zapier.com/dashboard/auth/oauth/return/App1/', 'https://zapier.com/dashboard/auth/oauth/return/App2/'],
      scopes: 'approvals:read,approvals:write',
      json: true,
    });
    const res = await oauthClientCreateCommand(server.db, args);
    expect(res.exitCode).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ name: 'Zapier', scopes: ['approvals:read', 'approvals:write'], rate_limit: 100, org: seed.org.slug });
    const stored = await findActiveClient(server.db, out.client_id);
    expect(stored!.redirect_uris).toHaveLength(2);
    expect(secretMatches(stored!, out.client_secret)).toBe(true);
  });

  it.each([
    ['http redirect to a public host', { 'redirect-uri': 'http://example.com/cb' }, 'must use https (http only for localhost)'],
    ['a fragment', { 'redirect-uri': 'https://example.com/cb#x' }, 'must not contain a fragment'],
    ['no redirect URI', {}, 'is required'],
  ])('refuses %s', (_case, override, message) => {
    const r = OAuthClientCreateArgs.safeParse({ org: 'acme', name: 'X', ...override });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toBe(message);
  });

  it('fails for an unknown org', async () => {
    const res = await oauthClientCreateCommand(server.db, OAuthClientCreateArgs.parse({ org: 'no-such-org', name: 'X', 'redirect-uri': 'https://e.example/cb' }));
    expect(res).toEqual({ exitCode: 1, stdout: '', stderr: 'error: org not found: no-such-org\n' });
  });
});
