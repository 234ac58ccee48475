/**
 * An MCP client that connects to `/mcp` the way Claude or any MCP client does: the SDK's own
 * `Client`, `StreamableHTTPClientTransport` and OAuth helpers discover the protected-resource and
 * authorization-server metadata, register the client (RFC 7591) and run the authorization code flow
 * with PKCE and `resource`; the person's side (sign in, press Allow) is driven over HTTP like a browser.
 */
import { expect } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { TestServer } from './harness.ts';
import { Browser, hiddenFields } from './oauth.ts';

/** What a desktop MCP client keeps between runs: its registration, its tokens, the PKCE verifier of the flow under way. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  stored: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;

  constructor(
    readonly redirect = 'http://127.0.0.1:33418/callback',
    private readonly metadataOverrides: Partial<OAuthClientMetadata> = {},
  ) {}

  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Test MCP client',
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.metadataOverrides,
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

export const mcpUrl = (server: TestServer) => new URL(`${server.url}/mcp`);

/** The person's part: open the authorization URL, sign in, press the button; returns where the browser is sent. */
export async function consentInBrowser(server: TestServer, user: { email: string; password: string }, authorizationUrl: URL, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const browser = new Browser(server.url);
  const path = `${authorizationUrl.pathname}${authorizationUrl.search}`;
  let page = await browser.get(path);
  if (page.status === 302 && page.headers.location!.startsWith('/sign-in')) {
    const signedIn = await browser.signIn(user.email, user.password, path);
    expect(signedIn.status).toBe(303);
    page = await browser.get(signedIn.headers.location!);
  }
  expect(page.status, page.text).toBe(200);
  const consent = await browser.post('/oauth/authorize', { ...hiddenFields(page.text), decision });
  expect(consent.status).toBe(303);
  return new URL(consent.headers.location!);
}

/**
 * Connects an SDK client to `/mcp` from nothing: the first attempt is refused (401), the SDK
 * registers and sends the person to consent, the code comes back, and the second attempt connects.
 */
export async function connectMcpOverHttp(
  server: TestServer,
  user: { email: string; password: string },
  provider = new MemoryOAuthProvider(),
): Promise<{ client: Client; provider: MemoryOAuthProvider; redirectedTo: URL }> {
  const first = new StreamableHTTPClientTransport(mcpUrl(server), { authProvider: provider });
  await expect(new Client({ name: 'http-test', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.authorizationUrl, 'the SDK sent the person to the authorization endpoint').toBeDefined();
  const redirectedTo = await consentInBrowser(server, user, provider.authorizationUrl!);
  const code = redirectedTo.searchParams.get('code');
  expect(code, redirectedTo.toString()).toBeTruthy();
  await first.finishAuth(code!);

  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(server), { authProvider: provider }));
  return { client, provider, redirectedTo };
}
