/**
 * A real OpenID Connect provider for tests: panva's `oidc-provider` on loopback, behind a small proxy
 * of the test's own that is the issuer's origin. The proxy passes every request through, logs in the
 * account the test chose when the provider asks (its interaction, in place of a login form), and
 * re-signs each ID token with a key it publishes as the provider's JWKS, so a test can hand the client
 * a correctly signed ID token with one claim altered (issuer, audience, nonce): the checks that must
 * refuse it are then the client's, not the signature's.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { listenOnLoopback } from './loopback.ts';

export interface TestAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  groups?: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** The account the provider logs in at its next interaction. */
  signInAs(sub: string): void;
  /** Alters the claims of the next ID tokens before they are re-signed (null: none). */
  tamper: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  /** Alters the discovery document the provider serves (null: as it is). */
  tamperDiscovery: ((doc: Record<string, unknown>) => Record<string, unknown>) | null;
  /** Requests the proxy received, by path (what the client asked of the provider). */
  requests: string[];
  close(): Promise<void>;
}

export async function startTestIdp(options: { redirectUri: string; clientId?: string; clientSecret?: string }): Promise<TestIdp> {
  const proxy = createServer();
  const issuer = await listenOnLoopback(proxy);
  const clientId = options.clientId ?? 'greenlight-test';
  const clientSecret = options.clientSecret ?? 'a-client-secret-for-tests-only-0123456789';
  const accounts = new Map<string, TestAccount>();
  let next: string | null = null;

  const configuration: Configuration = {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [options.redirectUri], response_types: ['code'], grant_types: ['authorization_code'] }],
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ ...account }) };
    },
    // Every scope asked for is granted: the test's person consents to everything.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope([...(ctx.oidc.requestParamScopes as Set<string>)].join(' '));
      await grant.save();
      return grant;
    },
    ttl: { Interaction: 600, Session: 600, Grant: 600, IdToken: 600, AccessToken: 600, AuthorizationCode: 60 },
  };
  const provider = new Provider(issuer, configuration);
  const upstreamServer: Server = createServer(provider.callback());
  await new Promise<void>((r) => upstreamServer.listen(0, '127.0.0.1', () => r()));
  const upstreamPort = (upstreamServer.address() as AddressInfo).port;

  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-proxy', alg: 'RS256', use: 'sig' };

  const idp: TestIdp = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signInAs(sub) {
      next = sub;
    },
    tamper: null,
    tamperDiscovery: null,
    requests: [],
    async close() {
      await new Promise<void>((r) => proxy.close(() => r()));
      proxy.closeAllConnections();
      await new Promise<void>((r) => upstreamServer.close(() => r()));
      upstreamServer.closeAllConnections();
    },
  };

  /** Passes a request to the provider; with `rewrite`, the answer's body is read and replaced. */
  function forward(req: IncomingMessage, res: ServerResponse, rewrite?: (body: string) => Promise<string>) {
    const up = httpRequest({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (!rewrite) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        void rewrite(Buffer.concat(chunks).toString('utf8')).then((body) => {
          const headers = { ...answer.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(body);
        });
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }

  async function resign(idToken: string): Promise<string> {
    decodeProtectedHeader(idToken);
    const claims = decodeJwt(idToken) as Record<string, unknown>;
    const altered = idp.tamper ? idp.tamper({ ...claims }) : claims;
    return new SignJWT(altered).setProtectedHeader({ alg: 'RS256', kid: jwk.kid! }).sign(privateKey);
  }

  proxy.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    idp.requests.push(path);
    if (path === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (path === '/.well-known/openid-configuration' && idp.tamperDiscovery) {
      const alter = idp.tamperDiscovery;
      forward(req, res, async (body) => JSON.stringify(alter(JSON.parse(body) as Record<string, unknown>)));
      return;
    }
    if (path === '/token') {
      forward(req, res, async (body) => {
        const json = JSON.parse(body) as { id_token?: string };
        if (json.id_token) json.id_token = await resign(json.id_token);
        return JSON.stringify(json);
      });
      return;
    }
    if (path.startsWith('/interaction/')) {
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name !== 'login' || !next) {
          res.writeHead(400).end(`the test provider cannot answer the prompt ${details.prompt.name}`);
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: next } }, { mergeWithLastSubmission: false });
      })().catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
      return;
    }
    forward(req, res);
  });
  return idp;
}

export interface Visit {
  status: number;
  url: URL;
  location: URL | null;
  text: string;
}

/**
 * A browser across origins (Greenlight and the provider): a cookie jar per origin, redirects followed
 * one by one so a test can stop before a step (the callback) and look at or change it.
 */
export class CrossOriginBrowser {
  readonly jars = new Map<string, Map<string, string>>();

  private jar(url: URL): Map<string, string> {
    let jar = this.jars.get(url.origin);
    if (!jar) this.jars.set(url.origin, (jar = new Map()));
    return jar;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  async get(target: string | URL): Promise<Visit> {
    const url = new URL(target);
    const jar = this.jar(url);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const gone = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, pair!.slice(eq + 1));
    }
    const location = res.headers.get('location');
    return { status: res.status, url, location: location ? new URL(location, url) : null, text: await res.text() };
  }

  /** Follows redirects from `target` until an answer that is not one, or until the next URL matches `stopBefore` (returned unvisited). */
  async follow(target: string | URL, stopBefore?: (next: URL) => boolean): Promise<{ last: Visit | null; next: URL | null }> {
    let next: URL | null = new URL(target);
    let last: Visit | null = null;
    for (let hops = 0; next && hops < 20; hops++) {
      if (stopBefore?.(next)) return { last, next };
      last = await this.get(next);
      next = last.status >= 300 && last.status < 400 ? last.location : null;
    }
    return { last, next: null };
  }
}
