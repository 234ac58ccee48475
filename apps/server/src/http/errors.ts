import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
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
  return new ApiError('VALIDATION_ERROR', message, { location: where, issues });
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
}

/** One error middleware: the envelope for everything, and no stack trace ever leaves the process. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const requestId = String(req.id ?? '');
  let apiError: ApiError;
  const parserError = err as BodyParserError;
  if (err instanceof ApiError) apiError = err;
  else if (parserError?.type === 'entity.parse.failed') apiError = new ApiError('INVALID_JSON', 'request body is not valid JSON');
  else if (parserError?.type === 'entity.too.large') apiError = new ApiError('PAYLOAD_TOO_LARGE', 'request body is too large');
  else if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported')
    apiError = new ApiError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding');
  else if (parserError?.status === 400 && typeof parserError.type === 'string')
    apiError = new ApiError('VALIDATION_ERROR', 'malformed request');
  // The router could not percent-decode a path parameter (`/approvals/%ZZ`).
  else if (err instanceof URIError && parserError.status === 400)
    apiError = new ApiError('VALIDATION_ERROR', 'malformed percent-encoding in the path');
  // The body parser could not decompress a body sent with Content-Encoding gzip, deflate or br.
  // (zlib's errors carry a numeric errno; brotli's codes vary by failure).
  else if (parserError?.status === 400 && typeof (err as { errno?: unknown }).errno === 'number')
    apiError = new ApiError('VALIDATION_ERROR', 'request body could not be decoded with its Content-Encoding');
  // Any other client error another library raised through http-errors (`expose` is set below 500).
  else if (parserError?.status === 400 && (err as { expose?: unknown }).expose === true)
    apiError = new ApiError('VALIDATION_ERROR', 'malformed request');
  else if (isDatabaseUnavailable(err))
    apiError = new ApiError('SERVICE_UNAVAILABLE', 'the database is unavailable; retry shortly', undefined, { 'Retry-After': '5' });
  else apiError = new ApiError('INTERNAL_ERROR', 'internal error');

  if (apiError.status >= 500) req.log?.error({ err }, 'request failed');
  if (res.headersSent) return;
  if (apiError.headers) res.set(apiError.headers);
  res.status(apiError.status).json({
    error: {
      code: apiError.code,
      message: apiError.message,
      ...(apiError.details ? { details: apiError.details } : {}),
      request_id: requestId,
    },
  });
};
