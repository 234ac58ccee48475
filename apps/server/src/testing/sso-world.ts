/**
 * What the single sign-on tests share: a Greenlight server on a known loopback port (the provider
 * must know its redirect URI), a real OpenID Connect provider (oidc-provider.ts), and the whole
 * browser round trip over HTTP.
 */
import { expect } from 'vitest';
import { SSO_CALLBACK_PATH, SSO_START_PATH, type UpdateSsoSettingsBody } from '@greenlight/contract';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { freePort } from './spawn-server.ts';
import { signedIn, type SignedIn } from './session.ts';
import { CrossOriginBrowser, startTestIdp, type TestAccount, type TestIdp, type Visit } from './oidc-provider.ts';
import { SESSION_COOKIE } from '../modules/users/sessions.ts';

export interface SsoWorld {
  server: TestServer;
  idp: TestIdp;
  stop(): Promise<void>;
}

export async function startSsoWorld(): Promise<SsoWorld> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const server = await startTestServer({
    config: { PORT: String(port), GREENLIGHT_PUBLIC_URL: publicUrl, GREENLIGHT_SSO_ALLOW_HTTP: 'true', GREENLIGHT_SSO_ALLOW_CIDRS: '127.0.0.0/8' },
  });
  const idp = await startTestIdp({ redirectUri: `${publicUrl}${SSO_CALLBACK_PATH}` });
  return {
    server,
    idp,
    async stop() {
      await idp.close();
      await server.stop();
    },
  };
}

let accounts = 0;

/** A person at the provider (verified email by default). */
export function idpAccount(world: SsoWorld, claims: Partial<TestAccount> = {}): TestAccount {
  const sub = claims.sub ?? `sub-${process.pid}-${++accounts}`;
  const account: TestAccount = { sub, email: `${sub}@example.test`, email_verified: true, name: `Person ${sub}`, ...claims };
  world.idp.accounts.set(sub, account);
  return account;
}

/** A new org whose admin configured SSO with the world's provider. */
export async function ssoOrg(world: SsoWorld, settings: Partial<UpdateSsoSettingsBody> = {}): Promise<{ seed: SeededOrg; admin: SignedIn }> {
  const seed = await seedOrg(world.server.db);
  const admin = await signedIn(world.server, seed);
  await admin
    .http()
    .patch('/api/v1/org/sso')
    .send({ issuer: world.idp.issuer, client_id: world.idp.clientId, client_secret: world.idp.clientSecret, ...settings })
    .expect(200);
  return { seed, admin };
}

export const startUrl = (world: SsoWorld, slug: string, returnTo?: string) =>
  `${world.server.url}${SSO_START_PATH}?${new URLSearchParams({ org: slug, ...(returnTo ? { return_to: returnTo } : {}) }).toString()}`;

/**
 * Starts a sign-in and goes through the provider as `sub`, stopping before the callback: returns the
 * callback URL the provider sent the browser to.
 */
export async function toCallback(world: SsoWorld, browser: CrossOriginBrowser, slug: string, sub: string, alter?: (authorizeUrl: URL) => URL): Promise<URL> {
  world.idp.signInAs(sub);
  const started = await browser.get(startUrl(world, slug));
  expect(started.status, started.text).toBe(303);
  expect(started.location!.origin).toBe(world.idp.issuer);
  const authorize = alter ? alter(started.location!) : started.location!;
  const { next, last } = await browser.follow(authorize, (u) => u.pathname === SSO_CALLBACK_PATH);
  expect(next, last?.text).not.toBeNull();
  return next!;
}

/** The whole sign-in: the callback's answer, and the session cookie it set (if any). */
export async function signInWithSso(world: SsoWorld, slug: string, sub: string, browser = new CrossOriginBrowser()): Promise<{ callback: Visit; session: string | undefined; browser: CrossOriginBrowser }> {
  const callbackUrl = await toCallback(world, browser, slug, sub);
  const callback = await browser.get(callbackUrl);
  return { callback, session: browser.cookie(world.server.url, SESSION_COOKIE), browser };
}

/** Turns require_sso on for the org, as an admin who signed in with its SSO (the server asks for that proof). */
export async function requireSso(world: SsoWorld, seed: SeededOrg): Promise<void> {
  const admin = await seed.addUser('admin');
  const account = idpAccount(world, { email: admin.email });
  const { session } = await signInWithSso(world, seed.org.slug, account.sub);
  const token = decodeURIComponent(session!);
  const { sessionFor } = await import('./session.ts');
  await sessionFor(world.server, admin, token).http().patch('/api/v1/org/sso').send({ require_sso: true }).expect(200);
}
