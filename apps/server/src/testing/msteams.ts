/**
 * A local HTTP server standing in for Microsoft's side of a Teams bot, as the Bot Framework documents it:
 *
 * - the Bot Framework's OpenID metadata (`GET /openid`, GREENLIGHT_MSTEAMS_OPENID_URL) naming its keys
 *   (`GET /keys`: a JWK set whose key is endorsed for `msteams`), and `sign()`, which makes the token the
 *   Bot Connector sends with an activity (RS256 with that key; iss https://api.botframework.com, aud the
 *   bot's app id, serviceurl) — or with a key it does not publish, for forgeries;
 * - Microsoft Entra's token endpoint (`POST /token`, GREENLIGHT_MSTEAMS_TOKEN_URL): client credentials of
 *   the apps `addApp` registered, answered with an access token or `invalid_client`;
 * - the Connector API (GREENLIGHT_MSTEAMS_API_URL, and every activity's serviceUrl): `POST
 *   /v3/conversations/{id}/activities[/{replyTo}]` answers `{id}`, `PUT …/activities/{id}` updates; a
 *   call without a token it issued is 401. It records every call, can fail a method, or be down (502).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { listenOnLoopback } from './loopback.ts';
import { untilSeen } from './until-seen.ts';

export interface ConnectorCall {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** PUT: the activity updated; POST: the activity replied to, if any. */
  activityId: string | null;
  body: Record<string, unknown>;
  authorization: string | null;
  at: number;
}

export interface TestMsTeams {
  /** The base URL: the Connector API's service URL (with a trailing slash, as Teams sends it). */
  serviceUrl: string;
  openIdUrl: string;
  tokenUrl: string;
  calls: ConnectorCall[];
  tokenRequests: { clientId: string; scope: string }[];
  /** The app a Connector call's token was issued to (null: none it issued). */
  appOf(authorization: string | null): string | null;
  posts(conversationId?: string): ConnectorCall[];
  updates(conversationId?: string): ConnectorCall[];
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  addApp(appId: string, secret: string): void;
  /** A Bot Connector token; `forged`: signed with a key the metadata does not list. */
  sign(claims: Record<string, unknown>, options?: { forged?: boolean; kid?: string; expiresInS?: number; alg?: 'RS256' }): Promise<string>;
  /** The next `times` Connector calls of `method` answer `status`. */
  fail(method: 'POST' | 'PUT', status: number, times?: number, retryAfterS?: number): void;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

export async function startMsTeams(options: { delayMs?: number } = {}): Promise<TestMsTeams> {
  const calls: ConnectorCall[] = [];
  const tokenRequests: { clientId: string; scope: string }[] = [];
  const apps = new Map<string, string>();
  const issued = new Map<string, string>();
  const waiters = new Set<() => void>();
  const failures = new Map<string, { status: number; times: number; retryAfterS?: number }>();
  let down = false;
  const kid = `test-${randomBytes(4).toString('hex')}`;
  const key = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(key.publicKey)), kid, use: 'sig', alg: 'RS256' };

  let base = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', base);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
        for (const w of waiters) w();
      };
      if (req.method === 'GET' && url.pathname === '/openid') {
        return send(200, { issuer: BOT_FRAMEWORK_ISSUER, authorization_endpoint: `${base}/auth`, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] });
      }
      if (req.method === 'GET' && url.pathname === '/keys') return send(200, { keys: [{ ...jwk, endorsements: ['msteams'] }] });
      if (req.method === 'POST' && url.pathname === '/token') {
        const form = new URLSearchParams(raw);
        const clientId = form.get('client_id') ?? '';
        tokenRequests.push({ clientId, scope: form.get('scope') ?? '' });
        if (form.get('grant_type') !== 'client_credentials' || apps.get(clientId) !== form.get('client_secret') || !apps.has(clientId)) {
          return send(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
        }
        const token = randomBytes(24).toString('base64url');
        issued.set(token, clientId);
        return send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
      }
      const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m || (req.method !== 'POST' && req.method !== 'PUT')) return send(404, { error: { code: 'NotFound', message: 'not found' } });
      const method = req.method;
      const authorization = req.headers.authorization ?? null;
      const call: ConnectorCall = {
        method,
        conversationId: decodeURIComponent(m[1]!),
        activityId: m[2] ? decodeURIComponent(m[2]) : null,
        body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
        authorization,
        at: Date.now(),
      };
      calls.push(call);
      if (down) return send(502, { error: { code: 'ServiceError', message: 'Bad Gateway' } });
      if (!authorization || !issued.has(authorization.replace(/^Bearer /, ''))) return send(401, { message: 'Authorization has been denied for this request.' });
      const failure = failures.get(method);
      if (failure && failure.times > 0) {
        failure.times -= 1;
        return send(failure.status, { error: { code: 'Failed', message: `failed with ${failure.status}` } }, failure.retryAfterS !== undefined ? { 'retry-after': String(failure.retryAfterS) } : {});
      }
      if (method === 'PUT') return send(200, { id: call.activityId });
      return send(201, { id: `1:${randomUUID()}` });
    });
  });
  base = await listenOnLoopback(server);
  // Claims given win over the defaults (an expired token is one with an `exp` in the past).
  const signWith = async (k: CryptoKey, claims: Record<string, unknown>, keyId: string, expiresInS: number) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iat: now, nbf: now - 5, exp: now + expiresInS, ...claims }).setProtectedHeader({ alg: 'RS256', kid: keyId, typ: 'JWT' }).sign(k);
  };
  return {
    serviceUrl: `${base}/`,
    openIdUrl: `${base}/openid`,
    tokenUrl: `${base}/token`,
    calls,
    tokenRequests,
    appOf: (authorization) => issued.get((authorization ?? '').replace(/^Bearer /, '')) ?? null,
    posts: (conversationId) => calls.filter((c) => c.method === 'POST' && (conversationId === undefined || c.conversationId === conversationId)),
    updates: (conversationId) => calls.filter((c) => c.method === 'PUT' && (conversationId === undefined || c.conversationId === conversationId)),
    until: (predicate, timeoutMs = 15_000) => untilSeen(waiters, predicate, timeoutMs, 'the Microsoft Teams stand-in'),
    addApp: (appId, secret) => apps.set(appId, secret),
    sign: (claims, o = {}) => signWith(o.forged ? other.privateKey : key.privateKey, { iss: BOT_FRAMEWORK_ISSUER, ...claims }, o.kid ?? kid, o.expiresInS ?? 3600),
    fail: (method, status, times = 1, retryAfterS) => failures.set(method, { status, times, ...(retryAfterS !== undefined ? { retryAfterS } : {}) }),
    setDown: (d) => {
      down = d;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
