import type { ErrorCode, ErrorEnvelope, Routes, z } from '@greenlight/contract';
import { csrfToken, forgetCsrfToken } from './csrf.ts';
import { ENDPOINTS, type DashboardOp } from './contract-values.ts';

/**
 * The dashboard's only way to the API: every call is named by its contract operationId, and its
 * inputs and answer are the contract's zod-inferred types (nothing mirrored here). The session
 * cookie authenticates; mutations carry the session's CSRF token.
 */

type Request<Op extends DashboardOp> = Routes[Op]['request'];
type Input<S> = S extends z.ZodType ? z.input<S> : never;

export type ApiInput<Op extends DashboardOp> = (Request<Op> extends { params: infer P } ? { params: Input<P> } : { params?: never }) &
  (Request<Op> extends { query: infer Q } ? { query?: Input<Q> } : { query?: never }) &
  (Request<Op> extends { body: infer B } ? { body: Input<B> } : { body?: never });

type Responses<Op extends DashboardOp> = Routes[Op]['responses'];
/** Every route's `responses` lists only its success statuses; errors share the envelope. */
export type ApiOutput<Op extends DashboardOp> = {
  [S in keyof Responses<Op>]: Responses<Op>[S] extends { schema: infer T } ? z.output<T & z.ZodType> : never;
}[keyof Responses<Op>];

/** A refusal from the API, with the contract's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = (err: ApiError) => void;
const listeners = new Set<Listener>();
/** The app shell hears every refusal (a 503 EMERGENCY_STOP turns the banner on, a 401 signs out). */
export function onApiError(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** `{id}` segments of the contract's OpenAPI paths, filled from `params`. */
export function pathOf(path: string, params: Record<string, unknown> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null || value === '') throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

export function queryString(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue;
    search.set(k, String(v));
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}

/** The envelope every /api/v1 error has (contract: ErrorEnvelope); anything else is reported by status. */
function envelopeOf(json: unknown): ErrorEnvelope['error'] | null {
  const error = (json as { error?: unknown } | null)?.error as Partial<ErrorEnvelope['error']> | undefined;
  return error && typeof error.code === 'string' && typeof error.message === 'string' ? (error as ErrorEnvelope['error']) : null;
}

export async function api<Op extends DashboardOp>(op: Op, input: ApiInput<Op>, init: { signal?: AbortSignal } = {}): Promise<ApiOutput<Op>> {
  const [method, path] = ENDPOINTS[op];
  const { params, query, body } = input as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'get') headers['X-CSRF-Token'] = await csrfToken();
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  const res = await fetch(pathOf(path, params) + queryString(query), {
    method: method.toUpperCase(),
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    credentials: 'same-origin',
    signal: init.signal ?? null,
  });
  const text = await res.text();
  const json: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const e = envelopeOf(json);
    const err = e
      ? new ApiError(res.status, e.code, e.message, e.details, e.request_id)
      : new ApiError(res.status, res.status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR', `the server answered ${res.status}`, undefined, undefined);
    // A new session (signed out and in elsewhere) has a new token: fetch it again next time.
    if (err.code === 'FORBIDDEN' && /CSRF/i.test(err.message)) forgetCsrfToken();
    for (const l of listeners) l(err);
    throw err;
  }
  // The server validates its answers against the contract in its own tests; the dashboard trusts them.
  return json as ApiOutput<Op>;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
