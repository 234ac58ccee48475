import { ErrorEnvelope, routes, type RouteDef } from '@greenlight/contract';
import { parseRetryAfter } from '@greenlight/triggers';
import { apiErrorFor, ContractMismatchError, NetworkError, WrongRequestError, type ApiError } from './errors.ts';
import type { OperationId, RequestInput, ResponseOf } from './types.ts';

export interface ClientOptions {
  /** e.g. `https://greenlight.example.com` (no `/api/v1`). */
  baseUrl: string;
  /** An API key (`gk_…`). */
  apiKey?: string;
  /** An OAuth access token, or a function that returns the current one. */
  accessToken?: string | (() => string | Promise<string>);
  /** Called once on a 401 with an access token; returns a new one and the request is sent again. */
  refreshAccessToken?: () => Promise<string>;
  /** Retries after the first attempt (429, 5xx; network errors of idempotent requests). Default 3. */
  maxRetries?: number;
  /** Backoff base; attempt n waits between base·2ⁿ⁻¹ and base·2ⁿ. Default 500 ms. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the RateLimitError is thrown at once. Default 60 s. */
  maxRetryAfterSeconds?: number;
  /** Per attempt. Default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Injected in tests to control time. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  userAgent?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function serializeQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function substitute(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null) throw new TypeError(`missing path parameter "${name}"`);
    return encodeURIComponent(String(value));
  });
}

/** An abort that came from the caller's signal is theirs to handle, never retried. */
const callerAborted = (signal: AbortSignal | undefined) => signal?.aborted === true;

export class Transport {
  private readonly options: Required<Pick<ClientOptions, 'maxRetries' | 'retryBaseDelayMs' | 'retryMaxDelayMs' | 'maxRetryAfterSeconds' | 'timeoutMs'>> &
    ClientOptions;
  private accessToken: string | (() => string | Promise<string>) | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly baseUrl: string;

  constructor(options: ClientOptions) {
    if (!options.apiKey && !options.accessToken) throw new TypeError('an apiKey or an accessToken is required');
    this.options = { maxRetries: 3, retryBaseDelayMs: 500, retryMaxDelayMs: 30_000, maxRetryAfterSeconds: 60, timeoutMs: 30_000, ...options };
    this.accessToken = options.accessToken;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  private async credential(): Promise<string> {
    if (this.options.apiKey) return this.options.apiKey;
    const token = this.accessToken;
    return typeof token === 'function' ? await token() : (token ?? '');
  }

  /** Exponential backoff with jitter: attempt n (from 0) waits in [d/2, d), d = min(max, base·2ⁿ). */
  backoff(attempt: number, maxDelayMs = this.options.retryMaxDelayMs): number {
    const d = Math.min(maxDelayMs, this.options.retryBaseDelayMs * 2 ** attempt);
    return d / 2 + (this.random() * d) / 2;
  }

  async request<K extends OperationId>(operationId: K, input: RequestInput<K>): Promise<ResponseOf<K>> {
    const route = (routes as Record<string, RouteDef>)[operationId];
    if (!route) throw new TypeError(`unknown operation ${operationId}`);
    const { params, query, body, idempotencyKey, signal } = input as {
      params?: Record<string, unknown>;
      query?: Record<string, unknown>;
      body?: unknown;
      idempotencyKey?: string;
      signal?: AbortSignal;
      timeoutMs?: number;
    };
    const url = this.baseUrl + substitute(route.path, params) + serializeQuery(query);
    const method = route.method.toUpperCase();
    // Safe to send twice: reads, deletes, and creates carrying an idempotency key.
    const idempotent = method === 'GET' || method === 'DELETE' || idempotencyKey !== undefined;
    const timeoutMs = (input as { timeoutMs?: number }).timeoutMs ?? this.options.timeoutMs;
    let refreshed = false;

    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        accept: 'application/json',
        authorization: `Bearer ${await this.credential()}`,
        'user-agent': this.options.userAgent ?? 'greenlight-client/0.1.0',
      };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;

      let res: Response;
      try {
        const timeout = AbortSignal.timeout(timeoutMs);
        res = await this.fetchImpl(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          redirect: 'manual',
        });
      } catch (err) {
        if (callerAborted(signal)) throw err;
        if (idempotent && attempt < this.options.maxRetries) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw new NetworkError(`${method} ${route.path}: ${(err as Error).message}`, { cause: err });
      }

      const payload = await readBody(res);
      if (res.ok) return sameRequest(route, params, res.status, validate(route, res.status, payload)) as ResponseOf<K>;

      const error = toApiError(res, payload);
      if (error.status === 401 && this.options.refreshAccessToken && !this.options.apiKey && !refreshed) {
        refreshed = true;
        this.accessToken = await this.options.refreshAccessToken();
        attempt--;
        continue;
      }
      const retryable = error.status === 429 || (error.status >= 500 && error.code !== 'EMERGENCY_STOP');
      if (!retryable || attempt >= this.options.maxRetries) throw error;
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      if (retryAfter !== undefined && retryAfter > this.options.maxRetryAfterSeconds) throw error;
      // The server's Retry-After is when the window resets; a little jitter keeps clients that were
      // refused together from all arriving in the same millisecond.
      const delay = retryAfter !== undefined ? retryAfter * 1000 + this.random() * Math.min(1000, this.options.retryBaseDelayMs) : this.backoff(attempt);
      await this.sleep(delay);
    }
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function validate(route: RouteDef, status: number, body: unknown): unknown {
  const response = route.responses[status];
  if (!response) {
    throw new ContractMismatchError(
      `${route.operationId} answered ${status}, which the contract does not list (${Object.keys(route.responses).join(', ')})`,
      route.operationId,
      status,
      [{ path: [], message: `unexpected status ${status}` }],
      body,
    );
  }
  const parsed = response.schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
    const first = issues[0];
    throw new ContractMismatchError(
      `${route.operationId} answered ${status} with a body that does not match the contract` +
        (first ? ` (${first.path.join('.') || 'body'}: ${first.message})` : ''),
      route.operationId,
      status,
      issues,
      body,
    );
  }
  // The body as received: fields a newer server added are kept, not stripped.
  return body;
}

/** Operations that answer the request named by `{id}` in their path (the request itself, as it now stands). */
const ANSWERS_THE_REQUEST: ReadonlySet<string> = new Set([
  'getApproval',
  'waitForApproval',
  'decideApproval',
  'cancelApproval',
  'revokeApproval',
  'reportExecution',
] satisfies OperationId[]);

/**
 * An answer about another request than the one in the path is refused (WrongRequestError): whatever
 * waits on `wait`, `get` or a decision continues only on the request it asked about.
 */
function sameRequest(route: RouteDef, params: Record<string, unknown> | undefined, status: number, body: unknown): unknown {
  const asked = params?.id;
  if (!ANSWERS_THE_REQUEST.has(route.operationId) || typeof asked !== 'string') return body;
  const id = (body as { id?: unknown } | null)?.id;
  if (id !== asked) throw new WrongRequestError(asked, id, route.operationId, status, body);
  return body;
}

function toApiError(res: Response, body: unknown): ApiError {
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
  const envelope = ErrorEnvelope.safeParse(body);
  if (envelope.success) {
    const e = envelope.data.error;
    return apiErrorFor({ status: res.status, code: e.code, message: e.message, details: e.details, requestId: e.request_id, headers: res.headers, retryAfter });
  }
  // Not our envelope: a proxy or load balancer answered. The status still says what kind of failure.
  return apiErrorFor({
    status: res.status,
    code: res.status === 429 ? 'RATE_LIMITED' : 'UNKNOWN',
    message: `HTTP ${res.status}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`,
    requestId: res.headers.get('x-request-id') ?? undefined,
    headers: res.headers,
    retryAfter,
  });
}

