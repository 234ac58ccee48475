import fc from 'fast-check';
import { ERROR_STATUS, ErrorEnvelope, errorBodyOf, ROUTE_LIST, type RouteDef } from '@greenlight/contract';
import type { ZodType } from 'zod';
import type { Database } from '../storage/database.ts';

/** Where fuzzed requests go: the server, a valid all-scopes key, ids that exist (so some requests get past the lookup). */
export interface FuzzContext {
  url: string;
  key: string;
  ids: string[];
}

export interface FuzzedRequest {
  method: RouteDef['method'];
  path: string;
  headers: Record<string, string>;
  body?: string;
  streaming: boolean;
  /** What its errors look like: the envelope, or the route's peer API's own format (dialects/). */
  errorBody: ZodType;
}

/** Routes that answer with a stream or a long poll: a request they accept is left after a moment. */
const STREAMING = new Set(['/api/v1/events', '/api/v1/approvals/{id}/wait']);

const oddText = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', 't\ud800', '\udc00x', '\u{1F600}', 'null', '0', '-1', '1e309', 'true', '[]', '{}', '%', '../..', "'; DROP TABLE approvals; --"),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }),
);

/** A path segment, percent-encoded or deliberately not. */
const segment = (ids: string[]) =>
  fc.oneof(
    fc.constantFrom('%ZZ', '%', '%E0%A4%A', '%00', '%ED%A0%80', '%C0%AF', ...ids),
    fc.uuid(),
    fc.string({ unit: 'binary', maxLength: 40 }).map((s) => encodeURIComponent(s)),
  );

const queryValue = fc.oneof(
  fc.constantFrom('%00', 'a%00b', '%ZZ', '%ED%A0%80', '%FF', 'env:%00', 'pending', '1', '-5', '999999999999', 'x,y,,'),
  oddText.map((s) => encodeURIComponent(s.isWellFormed() ? s : 'x')),
);

const QUERY_KEYS = ['status', 'priority', 'search', 'external_id', 'idempotency_key', 'action_type', 'source', 'tags', 'created_after', 'sort', 'page', 'page_size', 'page_token', 'timeout', 'approval_id', 'status', 'access_token', 'api_key', 'x'];

const deep = (depth: number, open: string, close: string) => open.repeat(depth) + '1' + close.repeat(depth);

/** Bodies: valid JSON of every shape, JSON with what Postgres cannot store, and text that is not JSON. */
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom('title', 'description', 'priority', 'metadata', 'tags', 'changes', 'comment', 'body', 'decision', 'source', 'url', 'events', 'callback_url', 'callback_headers', 'steps', 'name', 'scopes', 'email', 'role'), fc.oneof(oddText, fc.jsonValue({ maxDepth: 3 }))).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{',
    '{"title":',
    '{"a":1,}',
    "{'a':1}",
    '{"title":"a\\u0000b","description":"d","priority":"low"}',
    '{"title":"t\\ud800","description":"d","priority":"low"}',
    '{"metadata":{"k":"\\udc00"}}',
    '{"callback_headers":{"X-A":"ok\\ud83d\\ude00"}}',
    '{"decision":"approve","comment":"\\u0000"}',
    '[]',
    'null',
    '"x"',
    '1e999',
  ),
  fc.integer({ min: 33, max: 30_000 }).map((d) => `{"title":"t","description":"d","priority":"low","metadata":${deep(d, '{"a":', '}')}}`),
  fc.integer({ min: 33, max: 30_000 }).map((d) => deep(d, '[', ']')),
);

/** One malformed (or occasionally well-formed) request to a route of the contract. */
export function fuzzRequest(ctx: FuzzContext): fc.Arbitrary<FuzzedRequest> {
  return fc
    .record({
      route: fc.constantFrom(...ROUTE_LIST),
      segments: fc.array(segment(ctx.ids), { minLength: 2, maxLength: 2 }),
      query: fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), queryValue), { maxLength: 4 }),
      body: fc.option(body, { nil: undefined }),
      contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined),
      contentEncoding: fc.constantFrom(undefined, undefined, undefined, 'gzip', 'deflate', 'br', 'compress'),
      auth: fc.constantFrom('key', 'key', 'key', 'none', 'garbage', 'malformed'),
    })
    .map(({ route, segments, query, body, contentType, contentEncoding, auth }) => {
      let i = 0;
      const path = route.path.replace(/\{\w+\}/g, () => segments[i++ % segments.length]!);
      const qs = query.map(([k, v]) => `${k}=${v}`).join('&');
      const headers: Record<string, string> = {};
      if (auth === 'key') headers.authorization = `Bearer ${ctx.key}`;
      else if (auth === 'garbage') headers.authorization = `Bearer gk_${'0'.repeat(64)}`;
      else if (auth === 'malformed') headers.authorization = 'Basic Zm9vOmJhcg==';
      if (body !== undefined && contentType) headers['content-type'] = contentType;
      if (body !== undefined && contentEncoding) headers['content-encoding'] = contentEncoding;
      return {
        method: route.method,
        path: qs ? `${path}?${qs}` : path,
        headers,
        ...(body !== undefined && route.method !== 'get' ? { body } : {}),
        streaming: STREAMING.has(route.path),
        errorBody: errorBodyOf(route),
      };
    });
}

/** `n` requests of the generator, the same for the same seed (bench/faults.ts). */
export function sampleFuzzRequests(ctx: FuzzContext, n: number, seed: number): FuzzedRequest[] {
  return fc.sample(fuzzRequest(ctx), { numRuns: n, seed });
}

export interface FuzzAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/** Sends one fuzzed request as raw as fetch allows; a streaming route that accepted it is left after 1 s. */
export async function sendFuzzed(ctx: FuzzContext, request: FuzzedRequest): Promise<FuzzAnswer | 'streaming'> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.streaming ? 1_000 : 30_000);
  try {
    const res = await fetch(ctx.url + request.path, {
      method: request.method.toUpperCase(),
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    });
    const contentType = res.headers.get('content-type') ?? '';
    if (request.streaming && res.status === 200) {
      controller.abort();
      return 'streaming';
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the caller's envelope check reports it.
    }
    return { status: res.status, contentType, body: parsed };
  } catch (err) {
    if (request.streaming && controller.signal.aborted) return 'streaming';
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Rows of every table a request could write. */
export async function rowCounts(db: Database): Promise<Record<string, number>> {
  const tables = ['approvals', 'approval_votes', 'approval_steps', 'comments', 'events', 'connections', 'memberships', 'oauth_clients', 'callback_secrets', 'webhook_subscriptions', 'deliveries'];
  const { rows } = await db.query<Record<string, number>>(`SELECT ${tables.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`);
  return rows[0]!;
}

/**
 * What is wrong with an answer to a fuzzed request: a 5xx, or a 4xx outside the envelope or with
 * another code's status; for a peer API with an error format of its own, a 4xx outside that format.
 */
export function answerProblem(res: FuzzAnswer, request: Pick<FuzzedRequest, 'errorBody'>): string | undefined {
  if (res.status >= 500) return `answered ${res.status}`;
  if (res.status < 400) return undefined;
  if (request.errorBody !== ErrorEnvelope) {
    if (!res.contentType.startsWith('application/json') || !request.errorBody.safeParse(res.body).success) return `answered ${res.status} outside its API's error format`;
    return undefined;
  }
  const error = (res.body as { error?: { code?: keyof typeof ERROR_STATUS; request_id?: unknown } } | null)?.error;
  if (!res.contentType.startsWith('application/json') || !error?.code) return `answered ${res.status} without the envelope`;
  if (ERROR_STATUS[error.code] !== res.status) return `answered ${res.status} with ${error.code}`;
  if (typeof error.request_id !== 'string') return `answered ${res.status} without a request_id`;
  return undefined;
}

/** A route the app serves outside the contract's table: the server's own pages and protocol endpoints. */
export interface PageRoute {
  method: string;
  /** Express's path, `:token` and all. */
  path: string;
}

interface RouterLayer {
  route?: { path: string | RegExp | (string | RegExp)[]; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

/**
 * Every route the app serves that takes a body and is not the API's (`/api/v1`, fuzzed from the
 * contract): read from the app's own router, so a page added later is fuzzed without being listed.
 */
export function ownBodyRoutes(app: { router: { stack: RouterLayer[] } }): PageRoute[] {
  const routes: PageRoute[] = [];
  const walk = (stack: RouterLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).filter((m) => m === 'post' || m === 'put' || m === 'patch' || m === '_all');
        // A pattern route (the dashboard's pages, once apps/web is built) is a GET: no form to send it.
        for (const path of [layer.route.path].flat()) {
          if (typeof path !== 'string' || path.startsWith('/api/v1')) continue;
          for (const m of methods) routes.push({ method: m === '_all' ? 'post' : m, path });
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(app.router.stack);
  const seen = new Set<string>();
  return routes.filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

/** `n` fields `f0=v…`, url-encoded: body-parser's urlencoded parser allows 1,000 by default. */
export const formOfFields = (n: number, value = 'v') => Array.from({ length: n }, (_, i) => `f${i}=${value}`).join('&');

const formBody = fc.oneof(
  fc.integer({ min: 990, max: 5_000 }).map((n) => formOfFields(n)),
  fc.integer({ min: 40, max: 60 }).map((n) => formOfFields(n)),
  fc.integer({ min: 15_000, max: 300_000 }).map((size) => `csrf=x&email=${'a'.repeat(size)}`),
  fc.dictionary(fc.constantFrom('csrf', 'email', 'password', 'token', 'decision', 'comment', 'client_id', 'redirect_uri', 'state', 'code', 'grant_type', 'payload', 'new_password'), oddText).map((d) =>
    Object.entries(d)
      .map(([k, v]) => `${k}=${encodeURIComponent(v.isWellFormed() ? v : 'x')}`)
      .join('&'),
  ),
  fc.constantFrom('%', 'a=%ZZ', 'a=%E0%A4%A', '&&&', '=', 'a[b][c]=1', 'a=1&a=2&a=3', 'csrf=%00'),
);

/** One malformed form (too many fields, too large, odd text) to one of the app's own routes. */
export function fuzzPageRequest(routes: PageRoute[], ids: string[]): fc.Arbitrary<FuzzedRequest> {
  return fc
    .record({
      route: fc.constantFrom(...routes),
      segment: segment(ids),
      body: formBody,
      contentType: fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=latin1', 'application/json', 'text/plain'),
      contentEncoding: fc.constantFrom(undefined, undefined, undefined, 'gzip', 'identity'),
    })
    .map(({ route, segment: seg, body, contentType, contentEncoding }) => ({
      method: route.method as FuzzedRequest['method'],
      path: route.path.replace(/:\w+/g, seg),
      headers: { 'content-type': contentType, ...(contentEncoding ? { 'content-encoding': contentEncoding } : {}) },
      body,
      streaming: false,
      // The server's own pages answer in the API's envelope.
      errorBody: ErrorEnvelope,
    }));
}
