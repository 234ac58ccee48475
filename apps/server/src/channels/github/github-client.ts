/**
 * GitHub's REST API as an org's GitHub App, through Octokit (`@octokit/core` with `@octokit/auth-app`:
 * a JWT signed RS256 with the app's private key for app calls, an installation access token from
 * `POST /app/installations/{id}/access_tokens` for the rest), at a configurable base
 * (GREENLIGHT_GITHUB_API_URL; tests point it at a local stand-in), each call bounded by
 * GREENLIGHT_DELIVERY_TIMEOUT_MS.
 *
 * A deployment's `deployment_callback_url` comes from the event's payload. It is never fetched as
 * given: {@link callbackTarget} accepts it only when it is exactly the documented endpoint under the
 * configured base (`{base}/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule`),
 * and the call is then made to that route, built from the base. A payload naming another host, port,
 * scheme or path gets no token sent to it. Not covered: a compromised GitHub, or a wrong base configured.
 */
import type { Octokit } from '@octokit/core';
import type { Queryable } from '../../storage/database.ts';
import { secretKeys } from '../../security/sealed.ts';
import type { ApiAnswer } from '../../delivery/outbox/channel.ts';

export interface GithubConnection {
  /** The REST API base (https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server). */
  apiUrl: string;
  timeoutMs: number;
}

/** An org's GitHub App with its secrets opened: only for calling GitHub and checking its webhooks. */
export interface GithubApp {
  orgId: string;
  /** Names the app as the requester of the requests its events create. */
  id: string;
  appId: number;
  appSlug: string | null;
  privateKey: string;
  webhookSecret: string;
}

export async function githubAppOf(db: Queryable, orgId: string): Promise<GithubApp | null> {
  const { rows } = await db.query<{ id: string; app_id: string; app_slug: string | null; private_key: string; webhook_secret: string }>(
    'SELECT id, app_id::text, app_slug, private_key, webhook_secret FROM github_settings WHERE org_id = $1',
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  const keys = secretKeys();
  return { orgId, id: r.id, appId: Number(r.app_id), appSlug: r.app_slug, privateKey: keys.open(r.private_key), webhookSecret: keys.open(r.webhook_secret) };
}

const trimSlash = (s: string): string => s.replace(/\/+$/, '');

/** Where a deployment's review is sent: the run, in a repository. */
export interface CallbackTarget {
  owner: string;
  repo: string;
  runId: number;
}

const NAME = '[A-Za-z0-9_.-]{1,100}';
const CALLBACK_PATH = new RegExp(`^/repos/(${NAME})/(${NAME})/actions/runs/([1-9][0-9]{0,17})/deployment_protection_rule$`);

/**
 * The run a `deployment_callback_url` names, when it is GitHub's documented review endpoint under the
 * configured API base (same scheme, host, port and base path; no credentials, query or fragment);
 * otherwise null, and nothing may be sent to it.
 */
export function callbackTarget(callbackUrl: string, apiUrl: string): CallbackTarget | null {
  let url: URL;
  let base: URL;
  try {
    url = new URL(callbackUrl);
    base = new URL(trimSlash(apiUrl));
  } catch {
    return null;
  }
  if (url.origin !== base.origin || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return null;
  const prefix = trimSlash(base.pathname);
  if (!url.pathname.startsWith(`${prefix}/`)) return null;
  const m = CALLBACK_PATH.exec(url.pathname.slice(prefix.length));
  if (!m || m[1] === '.' || m[1] === '..' || m[2] === '.' || m[2] === '..') return null;
  return { owner: m[1]!, repo: m[2]!, runId: Number(m[3]) };
}

/**
 * An Octokit acting as the app (JWT), or as one of its installations (installation token). Octokit is
 * loaded at the first call: a server that never talks to GitHub does not hold it.
 */
export async function githubOctokit(app: Pick<GithubApp, 'appId' | 'privateKey'>, conn: GithubConnection, installationId?: number): Promise<Octokit> {
  const [{ Octokit }, { createAppAuth }] = await Promise.all([import('@octokit/core'), import('@octokit/auth-app')]);
  return new Octokit({
    baseUrl: trimSlash(conn.apiUrl),
    authStrategy: createAppAuth,
    auth: { appId: app.appId, privateKey: app.privateKey, ...(installationId === undefined ? {} : { installationId }) },
    userAgent: 'Greenlight',
    request: { fetch: (url: string, init: RequestInit) => fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(conn.timeoutMs) }) },
  });
}

/** `permanent`: the run no longer waits, or the app may not review it. */
export type GithubCallResult<T> = ApiAnswer<T>;

interface RequestErrorLike {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

const isRequestError = (err: unknown): err is RequestErrorLike =>
  typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number' && (err as { name?: unknown }).name === 'HttpError';

/**
 * Runs one call and says what the outbox needs of its answer. 401 (a token GitHub no longer takes),
 * 429 and 5xx are worth a retry, as is a 403 that is a rate limit; any other 4xx is final.
 */
export async function callGithub<T>(call: () => Promise<T>): Promise<GithubCallResult<T>> {
  const startedAt = new Date();
  const done = (r: Omit<GithubCallResult<T>, 'startedAt' | 'durationMs'>): GithubCallResult<T> => ({ startedAt, durationMs: Date.now() - startedAt.getTime(), ...r });
  try {
    const value = await call();
    return done({ statusCode: 200, error: null, value, permanent: false, retryAfterMs: null });
  } catch (err) {
    if (isRequestError(err)) {
      const headers = err.response?.headers ?? {};
      const retryAfter = Number(headers['retry-after']);
      const reset = Number(headers['x-ratelimit-reset']);
      const limited = err.status === 429 || (err.status === 403 && (Number.isFinite(retryAfter) || headers['x-ratelimit-remaining'] === '0'));
      const retryAfterMs = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : limited && Number.isFinite(reset) ? Math.max(0, reset * 1000 - Date.now()) : null;
      const retryable = limited || err.status === 401 || err.status >= 500 || err.status === 408;
      return done({ statusCode: err.status, error: `github: ${err.status} ${err.message}`.slice(0, 500), value: null, permanent: !retryable, retryAfterMs });
    }
    return done({ statusCode: null, error: `github: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500), value: null, permanent: false, retryAfterMs: null });
  }
}
