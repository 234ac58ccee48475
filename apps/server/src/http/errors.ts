import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import type { ErrorCode } from '@greenlight/contract';
import { ApiError } from '../errors.ts';

/** A field is missing only when its parent is an object without that key (not when a transform reshaped it). */
function isMissing(input: unknown, path: PropertyKey[]): boolean {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return false;
    if (!(key in cur)) return true;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return false;
}

/** "title is required" for a missing field, "priority: Invalid option…" otherwise: the first issue leads. */
export function validationError(error: z.ZodError, where: 'body' | 'query' | 'params' | 'headers', input?: unknown): ApiError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }));
  const first = error.issues[0];
  const path = first?.path.join('.') ?? '';
  const missing = first !== undefined && first.path.length > 0 && input !== undefined && isMissing(input, first.path);
  let message: string;
  if (!first) message = `invalid ${where}`;
  else if (missing || (first.code === 'invalid_type' && /received undefined/.test(first.message))) message = `${path} is required`;
  else if (first.code === 'unrecognized_keys') {
    const what = where === 'query' ? 'query parameter' : 'field';
    message = `unknown ${what}${first.keys.length > 1 ? 's' : ''}: ${first.keys.join(', ')}`;
  }
  else message = path ? `${path}: ${first.message}` : first.message;
  return new ApiError('VALIDATION_ERROR', message, { location: where, issues }, undefined, { cause: error });
}

export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(new ApiError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

/**
 * The database is restarting or unreachable: a condition to retry (503 + Retry-After), not a bug
 * (500). SQLSTATE class 08 (connection exception), 57P01–57P03 (admin shutdown, crash shutdown,
 * cannot connect now), and socket errors of the driver. The pool replaces the broken connections.
 */
function isDatabaseUnavailable(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (/^08/.test(code) || /^57P0[123]$/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) return true;
  return err instanceof Error && /Connection terminated|connection timeout|Client has encountered a connection error/i.test(err.message);
}

interface BodyParserError {
  type?: string;
  status?: number;
  code?: string;
  expose?: boolean;
}

/**
 * What body-parser (and the router) say about a request they could not read, as http-errors with a
 * `type`: each to the envelope's code and a message that tells the client what to change. Any other
 * client error they raise (`expose` is set below 500) goes by its status, so a new kind of refusal is
 * still a 4xx, never a 500.
 */
const UNREADABLE: Record<string, [ErrorCode, string]> = {
  'entity.parse.failed': ['INVALID_JSON', 'request body is not valid JSON'],
  'entity.too.large': ['PAYLOAD_TOO_LARGE', 'request body is too large'],
  // A url-encoded form with more fields than the route reads (1,000 for the pages, 50 for OAuth).
  'parameters.too.many': ['PAYLOAD_TOO_LARGE', 'the form has too many fields'],
  'encoding.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding'],
  'charset.unsupported': ['UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding'],
};
const BY_STATUS: Partial<Record<number, ErrorCode>> = {
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

function unreadableRequest(err: unknown): ApiError | undefined {
  const e = err as BodyParserError | null;
  if (typeof e?.type === 'string' && Object.hasOwn(UNREADABLE, e.type)) {
    const [code, message] = UNREADABLE[e.type]!;
    return new ApiError(code, message);
  }
  if (e?.status === 400 && typeof e.type === 'string') return new ApiError('VALIDATION_ERROR', 'malformed request');
  // The router could not percent-decode a path parameter (`/approvals/%ZZ`).
  if (err instanceof URIError && e?.status === 400) return new ApiError('VALIDATION_ERROR', 'malformed percent-encoding in the path');
  // The body parser could not decompress a body sent with Content-Encoding gzip, deflate or br.
  // (zlib's errors carry a numeric errno; brotli's codes vary by failure).
  if (e?.status === 400 && typeof (err as { errno?: unknown }).errno === 'number') {
    return new ApiError('VALIDATION_ERROR', 'request body could not be decoded with its Content-Encoding');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    return new ApiError(BY_STATUS[e.status] ?? 'VALIDATION_ERROR', e.status === 413 ? 'request body is too large' : 'malformed request');
  }
  return undefined;
}

/** Any error a request raised, as the API error it is answered with. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const unreadable = unreadableRequest(err);
  if (unreadable) return unreadable;
  if (isDatabaseUnavailable(err)) return new ApiError('SERVICE_UNAVAILABLE', 'the database is unavailable; retry shortly', undefined, { 'Retry-After': '5' });
  return new ApiError('INTERNAL_ERROR', 'internal error');
}

/** An error's answer: its status (usually the code's) and body. */
export type ErrorRenderer = (error: ApiError, requestId: string) => { status: number; body: unknown };

/** Greenlight's envelope: `{ error: { code, message, details?, request_id } }`. */
export const envelope: ErrorRenderer = (e, requestId) => ({
  status: e.status,
  body: { error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}), request_id: requestId } },
});

/**
 * One error middleware per answer shape (the envelope, or a peer API's own: dialects/): no stack
 * trace ever leaves the process, and only 5xx are logged as errors.
 */
export function errorHandlerFor(render: ErrorRenderer): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) req.log?.error({ err }, 'request failed');
    if (res.headersSent) return;
    if (apiError.headers) res.set(apiError.headers);
    const { status, body } = render(apiError, String(req.id ?? ''));
    res.status(status).json(body);
  };
}

export const errorHandler: ErrorRequestHandler = errorHandlerFor(envelope);
