/**
 * An OAuth client past its `expires_at` gets no token and refreshes none (`invalid_client`), cannot
 * start a grant, and the access tokens it already has stop working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { basicAuth, connectInBrowser, memberWithPassword, pkcePair, registerClient, tokenRequest } from '../../testing/oauth.ts';

let server: TestServer;
let seed: SeededOrg;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  seed = await seedOrg(server.db, 'Clients');
});
afterAll(() => server.stop());

const lapse = (clientUuid: string) => server.db.query("UPDATE oauth_clients SET expires_at = now() - interval '1 second' WHERE id = $1", [clientUuid]);

async function granted() {
  const app = await registerClient(server, seed);
  const user = await memberWithPassword(server, seed, 'approver');
  const { verifier, challenge } = pkcePair();
  const back = await connectInBrowser(server, user, { client_id: app.clientId, redirect_uri: app.redirectUri, scope: 'approvals:read', code_challenge: challenge, code_challenge_method: 'S256' });
  const tokens = await tokenRequest(server, {
    grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: app.redirectUri,
    client_id: app.clientId, client_secret: app.clientSecret, code_verifier: verifier,
  }).expect(200);
  return { app, user, access: tokens.body.access_token as string, refresh: tokens.body.refresh_token as string };
}

describe('an expired OAuth client', () => {
  it('refreshes no token (invalid_client) and its access tokens stop working', async () => {
    const { app, access, refresh } = await granted();
    await server.http(access).get('/api/v1/approvals').expect(200);
    await lapse(app.id);
    const res = await server.http(access).get('/api/v1/approvals').expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refresh, client_id: app.clientId, client_secret: app.clientSecret });
    // Credentials in the body: 400 (401 is for those sent with Basic, RFC 6749 §5.2).
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_client');
    const basic = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refresh }, basicAuth(app.clientId, app.clientSecret));
    expect(basic.status).toBe(401);
    expect(basic.body.error).toBe('invalid_client');
  });

  it('exchanges no code it got before it lapsed (invalid_client), and starts no new grant', async () => {
    const app = await registerClient(server, seed);
    const user = await memberWithPassword(server, seed, 'approver');
    const { verifier, challenge } = pkcePair();
    const params = { client_id: app.clientId, redirect_uri: app.redirectUri, scope: 'approvals:read', code_challenge: challenge, code_challenge_method: 'S256' };
    const back = await connectInBrowser(server, user, params);
    await lapse(app.id);
    const tokens = await tokenRequest(server, {
      grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: app.redirectUri,
      client_id: app.clientId, client_secret: app.clientSecret, code_verifier: verifier,
    });
    expect(tokens.status).toBe(400);
    expect(tokens.body.error).toBe('invalid_client');
    await expect(connectInBrowser(server, user, params)).rejects.toThrow();
  });

  it('a client still within its expiry works, and says when it lapses', async () => {
    const admin = await signedIn(server, seed);
    const at = new Date(Date.now() + 3 * 86_400_000);
    const created = await admin.http().post('/api/v1/oauth-clients').send({ name: 'Expiring', redirect_uris: ['https://example.com/cb'], expires_at: at.toISOString() }).expect(201);
    expect(created.body.expires_at).toBe(at.toISOString());
    const listed = (await admin.http().get('/api/v1/oauth-clients').expect(200)).body.data as { id: string; expires_at: string | null }[];
    expect(listed.find((c) => c.id === created.body.id)?.expires_at).toBe(at.toISOString());
    const never = await admin.http().post('/api/v1/oauth-clients').send({ name: 'Forever', redirect_uris: ['https://example.com/cb'] }).expect(201);
    expect(never.body.expires_at).toBeNull();
  });

  it.each([
    ['in the past', () => new Date(Date.now() - 1000).toISOString()],
    ['too soon', () => new Date(Date.now() + 60_000).toISOString()],
    ['too far', () => new Date(Date.now() + 800 * 86_400_000).toISOString()],
    ['not a time', () => 'tomorrow'],
  ])('refuses an expiry %s with 400', async (_name, at) => {
    const admin = await signedIn(server, seed);
    const res = await admin.http().post('/api/v1/oauth-clients').send({ name: 'Bad', redirect_uris: ['https://example.com/cb'], expires_at: at() }).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });
});
