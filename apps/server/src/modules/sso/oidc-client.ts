/**
 * The OpenID Connect relying party, through `openid-client` (panva): discovery, the authorization URL
 * with PKCE (S256), state and nonce, and the code exchange with every check of the ID token done by
 * the library (OpenID Connect Core §3.1.3.7: signature against the provider's JWKS, `iss` equal to
 * the discovered issuer, `aud` containing our client id, `azp`, `exp`/`iat`, the nonce; RFC 9207's
 * `iss` in the authorization response; the state). Nothing here parses or checks a token itself.
 *
 * Every request the library makes goes through `guardedFetch`: the issuer is an admin's URL that the
 * server fetches, so each URL (discovery, JWKS, token, UserInfo) must pass the SSRF guard
 * (channels/webhook/ssrf.ts) with GREENLIGHT_SSO_ALLOW_CIDRS, redirects are not followed, and each
 * request has a deadline. Not covered: a name that resolves differently between the guard's lookup and
 * fetch's own (DNS rebinding); the deliveries' sender pins the address, this fetch does not.
 */
import * as client from 'openid-client';
import type { Config } from '../../config.ts';
import { checkTarget, TargetRefused } from '../../channels/webhook/ssrf.ts';
import type { SsoProviderConfig } from './sso-settings.ts';

const REQUEST_TIMEOUT_MS = 10_000;
const BASE_SCOPES = ['openid', 'email', 'profile'];

/** The provider could not be reached or answered nonsense: the person can only try again later. */
export class ProviderUnavailable extends Error {}
/** The provider's answer failed a check: nothing is signed in. */
export class SignInRefused extends Error {}

function guardedFetch(config: Pick<Config, 'ssoAllowCidrs'>): client.CustomFetch {
  return async (url, options) => {
    try {
      await checkTarget(url, { allowCidrs: config.ssoAllowCidrs, lookupTimeoutMs: 3000 });
    } catch (err) {
      if (err instanceof TargetRefused) throw new ProviderUnavailable(`the identity provider's URL ${new URL(url).origin} is refused: it ${err.message}`);
      throw err;
    }
    const deadline = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    return fetch(url, { ...(options as RequestInit), redirect: 'manual', signal });
  };
}

/** The provider's configuration, discovered from `<issuer>/.well-known/openid-configuration` (issuer checked by the library). */
export async function discover(provider: SsoProviderConfig, config: Pick<Config, 'ssoAllowCidrs' | 'GREENLIGHT_SSO_ALLOW_HTTP'>): Promise<client.Configuration> {
  const execute = config.GREENLIGHT_SSO_ALLOW_HTTP && provider.issuer.startsWith('http:') ? [client.allowInsecureRequests] : [];
  try {
    return await client.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, client.ClientSecretBasic(provider.clientSecret), {
      [client.customFetch]: guardedFetch(config),
      execute,
      timeout: REQUEST_TIMEOUT_MS / 1000,
    });
  } catch (err) {
    throw classify(err, 'discovery');
  }
}

export interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export async function authorizationRequest(configuration: client.Configuration, provider: SsoProviderConfig, redirectUri: string): Promise<AuthorizationRequest> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: [...new Set([...BASE_SCOPES, ...provider.additionalScopes])].join(' '),
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { url, state, nonce, codeVerifier };
}

/** What the person is, as the provider vouches for it: from the ID token, completed from UserInfo when it leaves claims out. */
export type VerifiedClaims = Record<string, unknown> & { iss: string; sub: string };

/**
 * Exchanges the code and checks the answer (the library's checks, above). `currentUrl` is the
 * callback URL as the browser called it. UserInfo is read only when the ID token lacks a claim we
 * need; the library checks its `sub` is the ID token's.
 */
export async function finishAuthorization(
  configuration: client.Configuration,
  currentUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string },
  needs: readonly string[],
): Promise<VerifiedClaims> {
  let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
  try {
    tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    throw classify(err, 'token');
  }
  const claims = tokens.claims();
  if (!claims) throw new SignInRefused('the identity provider sent no ID token');
  let merged: Record<string, unknown> = { ...claims };
  if (needs.some((n) => merged[n] === undefined) && configuration.serverMetadata().userinfo_endpoint) {
    try {
      const info = await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
      // The ID token's own claims win: UserInfo only fills in what it left out.
      merged = { ...info, ...merged };
    } catch (err) {
      throw classify(err, 'userinfo');
    }
  }
  return merged as VerifiedClaims;
}

/** A failure of the library or of the network, as one of our two kinds. */
function classify(err: unknown, step: 'discovery' | 'token' | 'userinfo'): Error {
  if (err instanceof ProviderUnavailable || err instanceof SignInRefused) return err;
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown; error?: string };
  // Network failures (refused, reset, DNS, timeouts) and the guard's refusals: the provider is out of reach.
  const cause = err instanceof Error ? (err.cause as { code?: string; name?: string } | undefined) : undefined;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || (err instanceof TypeError && /fetch failed/i.test(e.message ?? '')) || cause?.code === 'ECONNREFUSED') {
    return new ProviderUnavailable(`the identity provider could not be reached (${step})`);
  }
  if (err instanceof Error && err.cause instanceof ProviderUnavailable) return err.cause;
  // An error answer of the provider (invalid_grant, …) or a failed check of its answer.
  if (step === 'discovery') return new ProviderUnavailable(`the identity provider's discovery document was refused: ${e.message ?? 'unknown error'}`);
  if (e.error) return new SignInRefused(`the identity provider refused the sign-in: ${e.error}`);
  return new SignInRefused(`the identity provider's answer did not pass the checks: ${e.message ?? 'unknown error'}`);
}
