import type { AfterResponseMiddleware, BeforeRequestMiddleware, HttpResponse, ZObject } from 'zapier-platform-core';
import { classifyError, InputError, type ClassifiedError, type ErrorKind } from '@greenlight/triggers';

/** The OAuth endpoints speak RFC 6749 (`error`, `error_description`); their callers handle them. */
const isOAuthEndpoint = (url: string | undefined) => !!url && /\/oauth\/(token|revoke)(\?|$)/.test(url);

const sameOrigin = (url: string | undefined, base: string | undefined) => {
  if (!url || !base) return false;
  try {
    return new URL(url).origin === new URL(base).origin;
  } catch {
    return false;
  }
};

/**
 * `before` middleware: the access token goes only to Greenlight's own API, never to the token
 * endpoint (which authenticates the client by its secret) nor to any other host a request might
 * name (a callback, a file).
 */
export const addBearerToken: BeforeRequestMiddleware = (request, _z, bundle) => {
  const token = bundle.authData?.access_token;
  request.headers = { Accept: 'application/json', ...(request.headers ?? {}) };
  // Core would raise its own ThrottledError first, without the API's message or a Retry-After date.
  (request as typeof request & { throwForThrottlingEarly?: boolean }).throwForThrottlingEarly = false;
  if (token && sameOrigin(request.url, process.env.GREENLIGHT_BASE_URL) && !isOAuthEndpoint(request.url)) {
    request.headers.Authorization = `Bearer ${token}`;
  }
  return request;
};

/** How Zapier raises each kind of failure (the kinds and the messages are packages/triggers'). */
const RAISE: Record<ErrorKind, (z: ZObject, e: ClassifiedError) => Error> = {
  // Zapier refreshes the token and retries (autoRefresh); a refresh that fails asks the user to reconnect.
  reauthorize: (z, e) => new z.errors.RefreshAuthError(e.message),
  throttle: (z, e) => new z.errors.ThrottledError(e.message, e.retryAfterSeconds),
  forbidden: appError,
  bad_input: appError,
  duplicate: appError,
  not_found: appError,
  conflict: appError,
  stopped: appError,
  unavailable: appError,
};

function appError(z: ZObject, e: ClassifiedError): Error {
  return new z.errors.Error(e.message, e.code, e.status);
}

/** What the Zap user should see for a failed API call, or null for a success. */
export function errorFor(z: ZObject, response: HttpResponse): Error | null {
  if (response.status < 400) return null;
  const e = classifyError(response.status, response.data ?? response.content, response.headers);
  return RAISE[e.kind](z, e);
}

/** A value the step's input cannot be (bad JSON, no date, a missing ID), as the API would say it. */
export function inputErrorFor(z: ZObject, error: unknown): unknown {
  return error instanceof InputError ? new z.errors.Error(error.message, 'VALIDATION_ERROR', 400) : error;
}

/** `after` middleware: raises the mapped error unless the caller asked to see the status itself. */
export const handleErrors: AfterResponseMiddleware = (response, z) => {
  if (response.skipThrowForStatus || isOAuthEndpoint(response.request.url)) return response;
  const error = errorFor(z, response);
  if (error) throw error;
  return response;
};
