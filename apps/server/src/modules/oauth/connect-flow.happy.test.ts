import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { basicAuth, connectInBrowser, memberWithPassword, pkcePair, registerClient, tokenRequest } from '../../testing/oauth.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const iss = () => server.deps.config.publicUrl;

async function callApi(accessToken: string) {
  const me = await server.http(accessToken).get('/api/v1/me');
  const created = await server.http(accessToken).post('/api/v1/approvals').send(approvalBody({ title: 'Deploy v2' }));
  return { me, created };
}

describe('connect flow, the way each platform does it', () => {
  it('Zapier: PKCE made by Zapier, secret in the body, refresh on 401, then API calls', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const app = await registerClient(server, seed, { name: 'Zapier' });
    const { verifier, challenge } = pkcePair(43);

    const back = await connectInBrowser(server, user, {
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      state: 'zap-state-123',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'approvals:read approvals:write',
    });
    expect(back.origin + back.pathname).toBe(app.redirectUri);
    expect(back.searchParams.get('state')).toBe('zap-state-123');
    expect(back.searchParams.get('iss')).toBe(iss());
    const code = back.searchParams.get('code')!;

    const token = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: app.redirectUri,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      code_verifier: verifier,
    });
    expect(token.status).toBe(200);
    expect(token.headers['cache-control']).toBe('no-store');
    expect(token.body).toMatchObject({ token_type: 'Bearer', scope: 'approvals:read approvals:write' });
    expect(token.body.expires_in).toBeGreaterThan(3500);
    expect(token.body.access_token).toMatch(/^glat_[A-Za-z0-9_-]{43}$/);
    expect(token.body.refresh_token).toMatch(/^glrt_[A-Za-z0-9_-]{43}$/);

    const { me, created } = await callApi(token.body.access_token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      org: { id: seed.org.id },
      connection: { name: 'Zapier', auth_type: 'oauth', scopes: ['approvals:read', 'approvals:write'], rate_limit: 1000 },
      user: { id: user.id, email: user.email, role: 'approver' },
      scopes: ['approvals:read', 'approvals:write'],
    });
    expect(created.status).toBe(201);
    expect(created.body.requested_by ?? created.body).toBeTruthy();

    // The access token expires; Zapier sees 401 invalid_token and refreshes.
    await server.db.query(`UPDATE oauth_tokens SET expires_at = now() - interval '1 second' WHERE connection_id = $1 AND kind = 'access'`, [
      me.body.connection.id,
    ]);
    const expired = await server.http(token.body.access_token).get('/api/v1/me');
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');

    const refreshed = await tokenRequest(server, {
      grant_type: 'refresh_token',
      refresh_token: token.body.refresh_token,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    expect(refreshed.body.refresh_token).not.toBe(token.body.refresh_token);
    const again = await server.http(refreshed.body.access_token).get('/api/v1/me').expect(200);
    expect(again.body.connection.id).toBe(me.body.connection.id);
  });

  it('Make: PKCE built in the app (long verifier), client_secret_post, Make\'s fixed redirect URI', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'admin');
    const app = await registerClient(server, seed, { name: 'Make', redirectUris: ['https://www.integromat.com/oauth/cb/app'] });
    // Make's docs use {{uuid}} (36 chars), too short for RFC 7636: the app builds a 128-character verifier.
    const { verifier, challenge } = pkcePair(128);

    const back = await connectInBrowser(server, user, {
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      state: 'make-state',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'approvals:read,approvals:write,comments:write',
    });
    expect(back.searchParams.get('iss')).toBe(iss());
    const token = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: app.redirectUri,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      code_verifier: verifier,
    }).expect(200);
    expect(token.body.scope).toBe('approvals:read approvals:write comments:write');
    const { me, created } = await callApi(token.body.access_token);
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ role: 'admin' });
    expect(created.status).toBe(201);
  });

  it('n8n: grant type "pkce" (authorization_code with code_verifier), client_secret_basic', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const app = await registerClient(server, seed, { name: 'n8n', redirectUris: ['https://n8n.example.com/rest/oauth2-credential/callback'] });
    const { verifier, challenge } = pkcePair(64);

    const back = await connectInBrowser(server, user, {
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      state: 'eyJ0b2tlbiI6Im44biJ9',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'approvals:read approvals:write',
    });
    const token = await tokenRequest(
      server,
      { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: app.redirectUri, code_verifier: verifier },
      basicAuth(app.clientId, app.clientSecret),
    ).expect(200);
    const { me, created } = await callApi(token.body.access_token);
    expect(me.status).toBe(200);
    expect(created.status).toBe(201);

    // n8n refreshes with Basic too.
    const refreshed = await tokenRequest(
      server,
      { grant_type: 'refresh_token', refresh_token: token.body.refresh_token },
      basicAuth(app.clientId, app.clientSecret),
    ).expect(200);
    expect(refreshed.body.access_token).not.toBe(token.body.access_token);
  });

  it('deny on the consent page sends the user back with access_denied, the same state and iss', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const app = await registerClient(server, seed);
    const { challenge } = pkcePair();
    const back = await connectInBrowser(
      server,
      user,
      { client_id: app.clientId, redirect_uri: app.redirectUri, state: 's-1', code_challenge: challenge, code_challenge_method: 'S256' },
      'deny',
    );
    expect(Object.fromEntries(back.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'the user denied access',
      state: 's-1',
      iss: iss(),
    });
  });

  it('publishes RFC 8414 metadata that advertises exactly what is implemented', async () => {
    const res = await supertest(server.url).get('/.well-known/oauth-authorization-server').expect(200);
    expect(res.body).toEqual({
      issuer: iss(),
      authorization_endpoint: `${iss()}/oauth/authorize`,
      token_endpoint: `${iss()}/oauth/token`,
      revocation_endpoint: `${iss()}/oauth/revoke`,
      registration_endpoint: `${iss()}/oauth/register`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      scopes_supported: ['approvals:read', 'approvals:write', 'comments:write'],
      authorization_response_iss_parameter_supported: true,
    });
  });

  it('revocation (RFC 7009): a refresh token ends the grant and its access tokens; unknown tokens answer 200', async () => {
    const seed = await seedOrg(server.db);
    const user = await memberWithPassword(server, seed, 'approver');
    const app = await registerClient(server, seed);
    const { verifier, challenge } = pkcePair();
    const back = await connectInBrowser(server, user, {
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const token = await tokenRequest(server, {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: app.redirectUri,
      client_id: app.clientId,
      client_secret: app.clientSecret,
      code_verifier: verifier,
    }).expect(200);
    await server.http(token.body.access_token).get('/api/v1/me').expect(200);

    const revoke = (t: string) =>
      supertest(server.url).post('/oauth/revoke').set('Authorization', basicAuth(app.clientId, app.clientSecret)).type('form').send({ token: t });
    const unknown = await revoke('glrt_does-not-exist');
    expect(unknown.status).toBe(200);
    await revoke(token.body.refresh_token).expect(200);
    const after = await server.http(token.body.access_token).get('/api/v1/me');
    expect(after.status).toBe(401);
    expect(after.headers['www-authenticate']).toContain('error="invalid_token"');
  });
});
