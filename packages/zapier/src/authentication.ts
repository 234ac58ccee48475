import type { Authentication, Bundle, ZObject } from 'zapier-platform-core';
import { Me, SCOPES, z as zod } from '@greenlight/contract';
import { DEFAULT_RETRY_AFTER_SECONDS, parseRetryAfter } from '@greenlight/triggers';
import { apiUrl, baseUrl, parseBody } from './api.ts';

/** RFC 6749 §5.1; `expires_in` lets Zapier know when the access token lapses. */
const TokenResponse = zod.object({
  access_token: zod.string().min(1),
  refresh_token: zod.string().min(1),
  token_type: zod.string(),
  expires_in: zod.number().optional(),
  scope: zod.string().optional(),
});

/** RFC 6749 §5.2. */
const TokenError = zod.object({ error: zod.string(), error_description: zod.string().optional() });

const clientCredentials = () => {
  const clientId = process.env.CLIENT_ID;
  const clientSecret = process.env.CLIENT_SECRET;
  if (!clientId || !clientSecret) throw new Error('CLIENT_ID and CLIENT_SECRET must be set (`zapier env:set`) to the OAuth client registered in Greenlight');
  return { client_id: clientId, client_secret: clientSecret };
};

/**
 * One call to the token endpoint (client_secret_post). A refused grant becomes an error whose
 * message is the server's `error_description`; the status is left as the server sent it, so a 4xx
 * from a refresh makes Zapier ask the user to reconnect, and a 429 is retried later.
 */
async function tokenCall(z: ZObject, form: Record<string, string>) {
  const response = await z.request({
    url: `${baseUrl()}/oauth/token`,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ ...form, ...clientCredentials() }).toString(),
    skipThrowForStatus: true,
  });
  let data: unknown;
  try {
    data = JSON.parse(response.content);
  } catch {
    data = null;
  }
  if (response.status === 200) {
    const t = parseBody(TokenResponse, data, 'token response');
    return { access_token: t.access_token, refresh_token: t.refresh_token };
  }
  const refused = TokenError.safeParse(data);
  const reason = refused.success ? `${refused.data.error}${refused.data.error_description ? `: ${refused.data.error_description}` : ''}` : `HTTP ${response.status}`;
  if (response.status === 429) {
    const retry = parseRetryAfter(response.getHeader('retry-after')) ?? DEFAULT_RETRY_AFTER_SECONDS;
    throw new z.errors.ThrottledError(`Greenlight's token endpoint is rate limited (${reason})`, retry);
  }
  throw new z.errors.Error(`Greenlight refused the ${form.grant_type === 'refresh_token' ? 'token refresh' : 'sign-in'}: ${reason}`, 'OAUTH_ERROR', response.status);
}

/** Zapier made the PKCE pair (`enablePkce`) and hands the verifier back here (RFC 7636 §4.5). */
const getAccessToken = (z: ZObject, bundle: Bundle) => {
  const { code, redirect_uri: redirectUri, code_verifier: verifier } = bundle.inputData as Record<string, string | undefined>;
  if (!code || !redirectUri) throw new z.errors.Error('The authorization response had no code', 'OAUTH_ERROR', 400);
  return tokenCall(z, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    ...(verifier ? { code_verifier: verifier } : {}),
  });
};

/** Refresh tokens rotate: Zapier stores the new pair it gets back. */
const refreshAccessToken = (z: ZObject, bundle: Bundle) => {
  const refreshToken = bundle.authData.refresh_token;
  if (!refreshToken) throw new z.errors.Error('This connection has no refresh token: reconnect Greenlight', 'OAUTH_ERROR', 401);
  return tokenCall(z, { grant_type: 'refresh_token', refresh_token: refreshToken });
};

/** Who the connection acts as; Zapier calls it on connect and whenever it tests the connection. */
const test = async (z: ZObject) => {
  const response = await z.request({ url: apiUrl('/api/v1/me') });
  return parseBody(Me, response.data, 'account');
};

/** `bundle.inputData` is what `test` returned. */
const connectionLabel = async (_z: ZObject, bundle: Bundle) => {
  const me = bundle.inputData as Partial<Me>;
  const who = me.user?.email ?? me.connection?.name ?? 'Greenlight';
  return me.org?.name ? `${who} (${me.org.name})` : who;
};

export const authentication = {
  type: 'oauth2',
  oauth2Config: {
    authorizeUrl: {
      url: '{{process.env.GREENLIGHT_BASE_URL}}/oauth/authorize',
      params: {
        client_id: '{{process.env.CLIENT_ID}}',
        state: '{{bundle.inputData.state}}',
        redirect_uri: '{{bundle.inputData.redirect_uri}}',
        response_type: 'code',
      },
    },
    getAccessToken,
    refreshAccessToken,
    autoRefresh: true,
    enablePkce: true,
    scope: SCOPES.join(' '),
  },
  fields: [],
  test,
  connectionLabel,
} satisfies Authentication;
