import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { authorizePath, Browser, grantAccessToken, hiddenFields, memberWithPassword, pkcePair, tokenRequest } from '../../testing/oauth.ts';
import { sessionFor } from '../../testing/session.ts';
import { createSession } from '../users/sessions.ts';
import { freePort } from '../../testing/spawn-server.ts';
import { connectMcpOverHttp, consentInBrowser, MemoryOAuthProvider } from '../../testing/mcp.ts';

let server: TestServer;
let orgA: SeededOrg;
let orgB: SeededOrg;
let memberA: { id: string; email: string; password: string };
let memberB: { id: string; email: string; password: string };
let clientB: Client;
let tokenB: string;

const prmUrl = () => `${server.url}/.well-known/oauth-protected-resource/mcp`;
const mcpPost = (token?: string) => {
  const t = supertest(server.url).post('/mcp').set('Accept', 'application/json, text/event-stream').type('json');
  return (token ? t.set('Authorization', `Bearer ${token}`) : t).send({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
};

/** A public client registered the way an MCP client does it. */
async function registerPublicClient(redirectUri = 'http://127.0.0.1:40100/callback') {
  const res = await supertest(server.url).post('/oauth/register').send({ client_name: 'Probe', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' });
  expect(res.status, res.text).toBe(201);
  return { clientId: res.body.client_id as string, redirectUri };
}

beforeAll(async () => {
  const port = await freePort();
  server = await startTestServer({ config: { PORT: String(port) } });
  orgA = await seedOrg(server.db, 'Org A');
  orgB = await seedOrg(server.db, 'Org B');
  memberA = await memberWithPassword(server, orgA, 'approver');
  memberB = await memberWithPassword(server, orgB, 'approver');
  const connected = await connectMcpOverHttp(server, memberB, new MemoryOAuthProvider('http://localhost:40200/cb'));
  clientB = connected.client;
  tokenB = connected.provider.stored!.access_token;
});

afterAll(async () => {
  await clientB?.close();
  await server?.stop();
});

describe('MCP authorization (RFC 9728, RFC 8707, MCP authorization specification)', () => {
  it('a request without a token gets 401 whose WWW-Authenticate points to the protected-resource metadata, which names the authorization server', async () => {
    const res = await mcpPost();
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(res.headers['www-authenticate']).toContain(`resource_metadata="${prmUrl()}"`);

    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const prm = await supertest(server.url).get(path).expect(200);
      expect(prm.body).toEqual({
        resource: `${server.url}/mcp`,
        authorization_servers: [server.url],
        scopes_supported: ['approvals:read', 'approvals:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'Greenlight MCP server',
        resource_documentation: `${server.url}/docs`,
      });
    }
    const as = await supertest(server.url).get('/.well-known/oauth-authorization-server').expect(200);
    expect(as.body).toMatchObject({
      issuer: server.url,
      registration_endpoint: `${server.url}/oauth/register`,
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: expect.arrayContaining(['none']),
    });
  });

  it.each([
    ['a malformed token', 'not-a-token'],
    ['an unknown access token', `glat_${'A'.repeat(43)}`],
    ['an API key', 'gk_' + '0'.repeat(64)],
  ])('%s → 401 invalid_token with the metadata pointer', async (_name, token) => {
    const res = await mcpPost(token);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.headers['www-authenticate']).toContain(`resource_metadata="${prmUrl()}"`);
  });

  it('a REST API token (issued without resource) is refused at /mcp, and an MCP token is refused by the REST API', async () => {
    const apiToken = await grantAccessToken(server, orgB, memberB, ['approvals:read', 'approvals:write']);
    expect((await server.http(apiToken).get('/api/v1/me')).status).toBe(200);
    expect((await mcpPost(apiToken)).status).toBe(401);

    expect((await mcpPost(tokenB)).status).toBe(200);
    const direct = await server.http(tokenB).get('/api/v1/me');
    expect(direct.status).toBe(401);
    expect(direct.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it("a token of another org sees nothing of this org's requests", async () => {
    const made = await server.http(orgA.key).post('/api/v1/approvals').send(approvalBody({ title: 'Org A secret' }));
    expect(made.status).toBe(201);
    const id = made.body.id as string;

    const got = await clientB.callTool({ name: 'get_approval', arguments: { id } });
    expect(got.isError).toBe(true);
    expect((got.content as { text: string }[])[0]!.text).toMatch(/NOT_FOUND \(HTTP 404\)/);
    const cancel = await clientB.callTool({ name: 'cancel_approval', arguments: { id } });
    expect(cancel.isError).toBe(true);
    expect((cancel.content as { text: string }[])[0]!.text).toMatch(/HTTP 404/);
    const wait = await clientB.callTool({ name: 'wait_for_decision', arguments: { id, timeout_seconds: 1 } });
    expect(wait.isError).toBe(true);
    const receipt = await clientB.callTool({ name: 'report_execution', arguments: { id, status: 'started' } });
    expect(receipt.isError).toBe(true);
    expect((receipt.content as { text: string }[])[0]!.text).toMatch(/NOT_FOUND \(HTTP 404\)/);
    const list = await clientB.callTool({ name: 'list_pending', arguments: { page_size: 100 } });
    expect((list.structuredContent as { data: { id: string; org_id: string }[] }).data.every((a) => a.org_id === orgB.org.id)).toBe(true);
    expect((list.structuredContent as { data: { id: string }[] }).data.map((a) => a.id)).not.toContain(id);

    // Still pending and untouched in org A.
    expect((await server.http(orgA.key).get(`/api/v1/approvals/${id}`)).body.status).toBe('pending');
  });

  it('the internal credentials of the tools are useless outside an MCP request', async () => {
    const res = await server.http(`glmc_${'A'.repeat(43)}`).get('/api/v1/me');
    expect(res.status).toBe(401);
  });

  it('revoking the grant (the member, from their connections) ends the MCP client at its next request', async () => {
    const port = 40300;
    const { client, provider } = await connectMcpOverHttp(server, memberA, new MemoryOAuthProvider(`http://127.0.0.1:${port}/cb`));
    await client.listTools();
    const session = sessionFor(server, memberA, await createSession(server.db, memberA.id, orgA.org.id));
    const mine = await session.http().get('/api/v1/connections');
    const grant = (mine.body.data as { id: string; name: string; auth_type: string }[]).find((c) => c.auth_type === 'oauth' && c.name === 'Test MCP client');
    expect(grant).toBeDefined();
    expect((await session.http().delete(`/api/v1/connections/${grant!.id}`)).status).toBe(200);
    expect((await mcpPost(provider.stored!.access_token)).status).toBe(401);
    await client.close();
  });

  it('tokens are bound to the resource asked for: another resource at the authorization or token endpoint → invalid_target', async () => {
    const app = await registerPublicClient();
    const { verifier, challenge } = pkcePair();
    const base = { client_id: app.clientId, redirect_uri: app.redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 's1' };

    const browser = new Browser(server.url);
    const signIn = await browser.signIn(memberA.email, memberA.password, '/');
    expect(signIn.status).toBe(303);
    const unknown = await browser.get(`${authorizePath(base)}&resource=${encodeURIComponent('https://api.other.example/mcp')}`);
    expect(unknown.status).toBe(302);
    const back = new URL(unknown.headers.location!);
    expect(back.origin + back.pathname).toBe(app.redirectUri);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'invalid_target', state: 's1', iss: server.url });

    const page = await browser.get(`${authorizePath(base)}&resource=${encodeURIComponent(`${server.url}/mcp`)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('registered itself');
    const consent = await browser.post('/oauth/authorize', { ...hiddenFields(page.text), decision: 'allow' });
    const code = new URL(consent.headers.location!).searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri, client_id: app.clientId, code_verifier: verifier };
    const wrong = await tokenRequest(server, { ...form, resource: `${server.url}/api/v1` });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_target' });
    const right = await tokenRequest(server, { ...form, resource: `${server.url}/mcp` });
    expect(right.status, right.text).toBe(200);

    // A refresh keeps the audience, and cannot move it.
    const moved = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: right.body.refresh_token, client_id: app.clientId, resource: 'https://elsewhere.example/' });
    expect(moved.body).toMatchObject({ error: 'invalid_target' });
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: right.body.refresh_token, client_id: app.clientId });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect((await mcpPost(refreshed.body.access_token)).status).toBe(200);
    expect((await server.http(refreshed.body.access_token).get('/api/v1/me')).status).toBe(401);
  });

  it('a public client must use PKCE, presents no secret, and cannot pass for a confidential one', async () => {
    const app = await registerPublicClient('http://127.0.0.1:40400/cb');
    const browser = new Browser(server.url);
    await browser.signIn(memberA.email, memberA.password, '/');
    const noPkce = await browser.get(authorizePath({ client_id: app.clientId, redirect_uri: app.redirectUri, state: 'x' }));
    expect(noPkce.status).toBe(302);
    expect(new URL(noPkce.headers.location!).searchParams.get('error')).toBe('invalid_request');

    const { verifier, challenge } = pkcePair();
    const url = new URL(`${server.url}${authorizePath({ client_id: app.clientId, redirect_uri: app.redirectUri, code_challenge: challenge, code_challenge_method: 'S256' })}`);
    const back = await consentInBrowser(server, memberA, url);
    const code = back.searchParams.get('code')!;
    const base = { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri, client_id: app.clientId };
    // A secret the client was never given is a failed client authentication, not ignored.
    const withSecret = await tokenRequest(server, { ...base, client_secret: 'guess', code_verifier: verifier });
    expect(withSecret.body).toMatchObject({ error: 'invalid_client' });
    const noVerifier = await tokenRequest(server, base);
    expect(noVerifier.status).toBe(400);
    expect(noVerifier.body.error).toBe('invalid_grant');
  });

  it('a redirect URI that is not exactly the registered one (another loopback port, path or case) gets an error page, never a redirect', async () => {
    const app = await registerPublicClient('http://127.0.0.1:40500/callback');
    const { challenge } = pkcePair();
    for (const redirect of ['http://127.0.0.1:40501/callback', 'http://127.0.0.1:40500/callback/', 'http://127.0.0.1:40500/Callback', 'http://localhost:40500/callback']) {
      const res = await supertest(server.url).get(authorizePath({ client_id: app.clientId, redirect_uri: redirect, code_challenge: challenge, code_challenge_method: 'S256' })).redirects(0);
      expect(res.status, redirect).toBe(400);
      expect(res.headers.location).toBeUndefined();
    }
  });

  it('GET and DELETE on /mcp (no sessions: stateless) → 405 once authenticated', async () => {
    const get = await supertest(server.url).get('/mcp').set('Authorization', `Bearer ${tokenB}`);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await supertest(server.url).delete('/mcp')).status).toBe(401);
  });

  // Last: it revokes the client the other tests use.
  it("an org's admins list the self-registered clients its members authorized and revoke them there", async () => {
    const adminB = sessionFor(server, orgB.admin, await createSession(server.db, orgB.admin.id, orgB.org.id));
    const adminA = sessionFor(server, orgA.admin, await createSession(server.db, orgA.admin.id, orgA.org.id));
    const listB = await adminB.http().get('/api/v1/oauth-clients');
    expect(listB.status).toBe(200);
    const mine = (listB.body.data as { id: string; name: string; registration: string; revoked_at: string | null; client_id: string }[]).find(
      (c) => c.registration === 'dynamic' && c.name === 'Test MCP client',
    );
    expect(mine).toMatchObject({ revoked_at: null });
    const listA = await adminA.http().get('/api/v1/oauth-clients');
    expect((listA.body.data as { id: string }[]).map((c) => c.id)).not.toContain(mine!.id);
    // Not org A's to revoke.
    expect((await adminA.http().delete(`/api/v1/oauth-clients/${mine!.id}`)).status).toBe(404);

    const revoked = await adminB.http().delete(`/api/v1/oauth-clients/${mine!.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: mine!.id, registration: 'dynamic', revoked_at: expect.any(String) });
    expect((await mcpPost(tokenB)).status).toBe(401);
    const audit = await server.db.query<{ type: string; actor_id: string }>(
      "SELECT type, actor_id FROM audit_log WHERE org_id = $1 AND type = 'oauth_client.revoked' AND target_id = $2",
      [orgB.org.id, mine!.id],
    );
    expect(audit.rows).toEqual([{ type: 'oauth_client.revoked', actor_id: orgB.admin.id }]);

    // A member of org B can no longer authorize it.
    const { challenge } = pkcePair();
    const browser = new Browser(server.url);
    await browser.signIn(memberB.email, memberB.password, '/');
    const again = await browser.get(
      authorizePath({ client_id: mine!.client_id, redirect_uri: 'http://localhost:40200/cb', code_challenge: challenge, code_challenge_method: 'S256' }),
    );
    expect(again.status).toBe(302);
    expect(Object.fromEntries(new URL(again.headers.location!).searchParams)).toMatchObject({ error: 'access_denied' });
  });
});
