/**
 * Helpers for OAuth tests: a registered client, a member with a password, PKCE pairs, and a tiny
 * browser (a cookie jar over supertest) that drives the real sign-in and consent pages.
 */
import { createHash, randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { expect } from 'vitest';
import type { Scope } from '@greenlight/contract';
import type { SeededOrg, TestServer } from './harness.ts';
import { createOAuthClient } from '../modules/oauth/clients.ts';
import { setPassword } from '../modules/users/passwords.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

export function pkcePair(length = 64): { verifier: string; challenge: string } {
  const verifier = randomBytes(96).toString('base64url').slice(0, length);
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function registerClient(
  server: TestServer,
  seed: SeededOrg,
  options: { name?: string; redirectUris?: string[]; scopes?: Scope[]; rateLimit?: number } = {},
) {
  const redirectUris = options.redirectUris ?? ['https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/'];
  const { client, clientSecret } = await createOAuthClient(server.db, seed.org.id, {
    name: options.name ?? 'Zapier',
    redirect_uris: redirectUris,
    ...(options.scopes ? { scopes: options.scopes } : {}),
    rate_limit: options.rateLimit ?? 1000,
  });
  return { id: client.id, clientId: client.client_id, clientSecret, redirectUri: redirectUris[0]!, client };
}

export async function memberWithPassword(server: TestServer, seed: SeededOrg, role: 'admin' | 'approver' | 'viewer') {
  const user = await seed.addUser(role);
  await setPassword(server.db, user.id, TEST_PASSWORD);
  return { ...user, password: TEST_PASSWORD };
}

const unescapeHtml = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The hidden inputs of the first form on a page, as a browser would submit them. */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) out[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return out;
}

/** A browser: keeps cookies, follows nothing by itself (tests look at each redirect). */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly baseUrl: string) {}

  private keep(res: supertest.Response) {
    const set = res.headers['set-cookie'] as unknown as string[] | undefined;
    for (const c of set ?? []) {
      const [pair] = c.split(';');
      const [name, ...value] = pair!.split('=');
      if (/Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name!);
      else this.cookies.set(name!, value.join('='));
    }
    return res;
  }

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string) {
    return this.keep(await supertest(this.baseUrl).get(path).set('Cookie', this.cookieHeader()).redirects(0));
  }

  async post(path: string, form: Record<string, string>) {
    return this.keep(
      await supertest(this.baseUrl).post(path).set('Cookie', this.cookieHeader()).type('form').send(form).redirects(0),
    );
  }

  /** Signs in through the real form (GET for the CSRF cookie and field, then POST). */
  async signIn(email: string, password: string, returnTo = '/') {
    const page = await this.get(`/sign-in?return_to=${encodeURIComponent(returnTo)}`);
    expect(page.status).toBe(200);
    const fields = hiddenFields(page.text);
    return this.post('/sign-in', { ...fields, email, password });
  }
}

export interface AuthorizeParams {
  client_id: string;
  redirect_uri: string;
  response_type?: string;
  scope?: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: string;
}

export const authorizePath = (p: AuthorizeParams) =>
  `/oauth/authorize?${new URLSearchParams({ response_type: 'code', ...p } as Record<string, string>).toString()}`;

/**
 * The whole browser side of the connect flow: open the authorize URL, sign in when sent to the
 * sign-in page, come back, and press Allow (or Deny). Returns the final redirect to the client.
 */
export async function connectInBrowser(
  server: TestServer,
  user: { email: string; password: string },
  params: AuthorizeParams,
  decision: 'allow' | 'deny' = 'allow',
  browser = new Browser(server.url),
): Promise<URL> {
  let res = await browser.get(authorizePath(params));
  if (res.status === 302 && res.headers.location!.startsWith('/sign-in')) {
    const returnTo = new URL(res.headers.location!, server.url).searchParams.get('return_to')!;
    const signedIn = await browser.signIn(user.email, user.password, returnTo);
    expect(signedIn.status).toBe(303);
    res = await browser.get(signedIn.headers.location!);
  }
  expect(res.status).toBe(200);
  expect(res.headers['x-frame-options']).toBe('DENY');
  const consent = await browser.post('/oauth/authorize', { ...hiddenFields(res.text), decision });
  expect(consent.status).toBe(303);
  return new URL(consent.headers.location!);
}

export const basicAuth = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export function tokenRequest(server: TestServer, form: Record<string, string>, basic?: string) {
  const t = supertest(server.url).post('/oauth/token').type('form');
  return (basic ? t.set('Authorization', basic) : t).send(form);
}

/** An access token of an OAuth grant by `user` (who has a password) to a new client, through the real connect flow. */
export async function grantAccessToken(server: TestServer, seed: SeededOrg, user: { email: string; password: string }, scopes: readonly Scope[]): Promise<string> {
  const app = await registerClient(server, seed);
  const { verifier, challenge } = pkcePair();
  const back = await connectInBrowser(server, user, {
    client_id: app.clientId,
    redirect_uri: app.redirectUri,
    scope: scopes.join(' '),
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const tokens = await tokenRequest(server, {
    grant_type: 'authorization_code',
    code: back.searchParams.get('code')!,
    redirect_uri: app.redirectUri,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    code_verifier: verifier,
  });
  expect(tokens.status, tokens.text).toBe(200);
  return tokens.body.access_token as string;
}
