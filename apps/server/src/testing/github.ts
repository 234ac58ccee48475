/**
 * A local HTTP server standing in for GitHub's REST API (GREENLIGHT_GITHUB_API_URL points Greenlight at
 * it), answering the calls a GitHub App makes for deployment protection rules as GitHub documents them:
 *
 * - `GET /app` with `Authorization: Bearer <JWT>`: the app (id, slug, name);
 * - `POST /app/installations/{id}/access_tokens` with the JWT: 201 `{token, expires_at, permissions, repository_selection}`;
 * - `POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule` with
 *   `Authorization: token <installation token>` and `{environment_name, state, comment}`: 204.
 *
 * The JWT is checked as GitHub checks it: RS256 over header.payload with the app's public key, `iss`
 * the app id, `iat` not in the future (60 s of skew), `exp` in the future and at most 10 minutes after
 * `iat`. An installation token must be one it issued. Anything else: 401 `{message, documentation_url}`.
 * It records every call, and can be told to fail a route or to be down (every call answered 503).
 * Events are signed as GitHub signs them: `X-Hub-Signature-256: sha256=` + hex HMAC-SHA256 of the body.
 */
import { createHmac, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from './loopback.ts';
import { untilSeen } from './until-seen.ts';

export interface GithubCall {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
  /** The installation whose token authorised it; null for an app (JWT) call or a refused one. */
  installationId: number | null;
  status: number;
  at: number;
}

export interface TestGithubApp {
  appId: number;
  slug: string;
  /** PKCS#1 PEM, as GitHub's "Generate a private key" gives it. */
  privateKey: string;
  publicKey: KeyObject;
}

export interface TestGithubApi {
  /** For GREENLIGHT_GITHUB_API_URL. */
  url: string;
  app: TestGithubApp;
  calls: GithubCall[];
  /** The deployment review calls that GitHub accepted. */
  reviews(where?: (c: GithubCall) => boolean): GithubCall[];
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** The next `times` calls whose path ends with `suffix` answer `status` with GitHub's error body. */
  fail(suffix: string, status: number, times?: number, headers?: Record<string, string>): void;
  /** While down, every call answers 503. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export function newGithubApp(appId = 424242, slug = 'greenlight-test'): TestGithubApp {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { appId, slug, privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), publicKey };
}

/** `X-Hub-Signature-256` of a body, as GitHub computes it. */
export const githubSignature = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const b64url = (s: string): Buffer => Buffer.from(s, 'base64url');

/** Why GitHub would refuse this JWT for the app, or null when it would take it. */
function jwtRefusal(token: string, app: TestGithubApp): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return 'A JSON web token could not be decoded';
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string };
  let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    header = JSON.parse(b64url(h).toString('utf8')) as typeof header;
    payload = JSON.parse(b64url(p).toString('utf8')) as typeof payload;
  } catch {
    return 'A JSON web token could not be decoded';
  }
  if (header.alg !== 'RS256') return "'Expiration time' claim ('exp') or algorithm is not valid";
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), app.publicKey, b64url(s))) return 'A JSON web token could not be decoded';
  if (String(payload.iss) !== String(app.appId)) return "'Issuer' claim ('iss') must be an Integer";
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat !== 'number' || payload.iat > now + 60) return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
  if (typeof payload.exp !== 'number' || payload.exp <= now || payload.exp - payload.iat > 660) return "'Expiration time' claim ('exp') is too far in the future";
  return null;
}

export async function startGithubApi(app: TestGithubApp = newGithubApp()): Promise<TestGithubApi> {
  const calls: GithubCall[] = [];
  const tokens = new Map<string, number>();
  const failures: { suffix: string; status: number; times: number; headers: Record<string, string> }[] = [];
  const waiters = new Set<() => void>();
  let down = false;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | null = null;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      const call: GithubCall = { method: req.method ?? '', path, body, installationId: null, status: 0, at: Date.now() };
      const send = (status: number, answer?: unknown, headers: Record<string, string> = {}) => {
        call.status = status;
        calls.push(call);
        res.writeHead(status, { ...(answer === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers });
        res.end(answer === undefined ? undefined : JSON.stringify(answer));
        for (const w of waiters) w();
      };
      const error = (status: number, message: string, headers: Record<string, string> = {}) =>
        send(status, { message, documentation_url: 'https://docs.github.com/rest', status: String(status) }, headers);
      if (down) return error(503, 'Service Unavailable');
      const failure = failures.find((f) => f.times > 0 && path.endsWith(f.suffix));
      if (failure) {
        failure.times -= 1;
        return error(failure.status, `stand-in failure ${failure.status}`, failure.headers);
      }
      const auth = /^(bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const asApp = () => {
        if (!auth || auth[1]!.toLowerCase() !== 'bearer') return 'A JSON web token could not be decoded';
        return jwtRefusal(auth[2]!, app);
      };

      if (req.method === 'GET' && path === '/app') {
        const refusal = asApp();
        if (refusal) return error(401, refusal);
        return send(200, { id: app.appId, slug: app.slug, name: 'Greenlight test', owner: { login: 'acme' }, permissions: { deployments: 'write', actions: 'read' }, events: ['deployment_protection_rule', 'workflow_run'] });
      }
      const tokenRoute = /^\/app\/installations\/([0-9]+)\/access_tokens$/.exec(path);
      if (req.method === 'POST' && tokenRoute) {
        const refusal = asApp();
        if (refusal) return error(401, refusal);
        const token = `ghs_${randomBytes(18).toString('base64url')}`;
        const installationId = Number(tokenRoute[1]);
        tokens.set(token, installationId);
        call.installationId = null;
        return send(201, {
          token,
          expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: { deployments: 'write', actions: 'read', metadata: 'read' },
          repository_selection: 'selected',
        });
      }
      const review = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/([0-9]+)\/deployment_protection_rule$/.exec(path);
      if (req.method === 'POST' && review) {
        const installationId = auth ? tokens.get(auth[2]!) : undefined;
        if (installationId === undefined) return error(401, 'Bad credentials');
        call.installationId = installationId;
        const b = body ?? {};
        if (typeof b.environment_name !== 'string' || (b.state !== 'approved' && b.state !== 'rejected')) return error(422, 'Invalid request.');
        return send(204);
      }
      error(404, 'Not Found');
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    app,
    calls,
    reviews: (where) => calls.filter((c) => c.status === 204 && c.path.endsWith('/deployment_protection_rule') && (!where || where(c))),
    until: (predicate, timeoutMs = 15_000) => untilSeen(waiters, predicate, timeoutMs, 'the GitHub API stand-in'),
    fail: (suffix, status, times = 1, headers = {}) => failures.push({ suffix, status, times, headers }),
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
