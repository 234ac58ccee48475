/** OAuth 2.0 with PKCE: the authorize URL, the code and refresh exchanges (client_secret_post), test and label. */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { App, call, BASE, api, authData, failure, useNock } from './helpers.ts';

useNock();
const oauth = App.authentication!.oauth2Config!;
const REDIRECT = 'https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/';
const pair = { access_token: 'glat_new', refresh_token: 'glrt_new', token_type: 'Bearer', expires_in: 3600, scope: 'approvals:read' };

describe('authentication', () => {
  it('the authorize URL names our client, Zapier’s state and redirect URI', () => {
    expect(oauth.authorizeUrl).toEqual({
      url: '{{process.env.GREENLIGHT_BASE_URL}}/oauth/authorize',
      params: { client_id: '{{process.env.CLIENT_ID}}', state: '{{bundle.inputData.state}}', redirect_uri: '{{bundle.inputData.redirect_uri}}', response_type: 'code' },
    });
  });

  it('exchanges the code with Zapier’s PKCE verifier and the client secret in the body', async () => {
    nock(BASE, { badheaders: ['authorization'] })
      .post('/oauth/token', {
        grant_type: 'authorization_code',
        code: 'the-code',
        redirect_uri: REDIRECT,
        code_verifier: 'v'.repeat(64),
        client_id: 'glc_test',
        client_secret: 'secret-of-the-client',
      })
      .reply(200, pair);
    const out = await call('authentication.oauth2Config.getAccessToken', { inputData: { code: 'the-code', redirect_uri: REDIRECT, code_verifier: 'v'.repeat(64) } });
    expect(out).toEqual({ access_token: 'glat_new', refresh_token: 'glrt_new' });
  });

  it('refreshes with the refresh token and keeps the rotated pair', async () => {
    nock(BASE)
      .post('/oauth/token', { grant_type: 'refresh_token', refresh_token: 'glrt_test-refresh-token', client_id: 'glc_test', client_secret: 'secret-of-the-client' })
      .reply(200, pair);
    expect(await call('authentication.oauth2Config.refreshAccessToken', { authData })).toEqual({ access_token: 'glat_new', refresh_token: 'glrt_new' });
  });

  it.each([
    [400, { error: 'invalid_grant', error_description: 'refresh token is invalid or expired' }, { name: 'AppError', message: 'Greenlight refused the token refresh: invalid_grant: refresh token is invalid or expired', code: 'OAUTH_ERROR', status: 400 }],
  ])('a refused refresh (%i) says why and keeps the status', async (status, body, expected) => {
    nock(BASE).post('/oauth/token').reply(status, body);
    expect(await failure(call('authentication.oauth2Config.refreshAccessToken', { authData }))).toEqual(expected);
  });

  it('a 401 from the token endpoint (client secret rotated) is raised by core as RefreshAuthError: reconnect', async () => {
    nock(BASE).post('/oauth/token').reply(401, { error: 'invalid_client', error_description: 'client authentication failed' });
    expect(await failure(call('authentication.oauth2Config.refreshAccessToken', { authData }))).toMatchObject({ name: 'RefreshAuthError' });
  });

  it('tests the connection with /api/v1/me and labels it with the user and org', async () => {
    const me = {
      org: { id: '5f0c6a7e-2b1d-4c3e-9f8a-7b6c5d4e3f21', slug: 'acme', name: 'Acme', emergency_stop: false, emergency_stop_at: null, created_at: '2026-03-24T10:00:00.000Z' },
      connection: null,
      user: { id: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f', email: 'dana@acme.test', name: 'Dana', role: 'approver' },
      scopes: ['approvals:read'],
    };
    api().get('/api/v1/me').reply(200, me);
    const result = await call('authentication.test', { authData });
    expect(result).toMatchObject({ user: { email: 'dana@acme.test' } });
    expect(await call('authentication.connectionLabel', { authData, inputData: result as never })).toBe('dana@acme.test (Acme)');
  });
});
