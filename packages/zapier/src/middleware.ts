import type { AfterResponseMiddleware, BeforeRequestMiddleware, HttpResponse, ZObject } from 'zapier-platform-core';
import { ErrorEnvelope } from '@greenlight/contract';

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

function envelope(response: HttpResponse): { code: string; message: string } | null {
  let body: unknown = response.data;
  if (body === undefined || typeof body === 'string') {
    try {
      body = JSON.parse(response.content);
    } catch {
      return null;
    }
  }
  const parsed = ErrorEnvelope.safeParse(body);
  return parsed.success ? { code: parsed.data.error.code, message: parsed.data.error.message } : null;
}

function retryAfterSeconds(response: HttpResponse): number {
  const raw = response.getHeader('retry-after');
  const seconds = raw === undefined ? NaN : Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = raw === undefined ? NaN : Date.parse(raw);
  return Number.isFinite(date) ? Math.max(1, Math.ceil((date - Date.now()) / 1000)) : 60;
}

/**
 * What the Zap user should see for a failed API call, or null for a success. Each status tells
 * them what to do: reconnect (401, after Zapier has tried a refresh), wait (429), wait for an admin
 * (emergency stop), or fix the step's input (other 4xx, with the API's own message).
 */
export function errorFor(z: ZObject, response: HttpResponse): Error | null {
  const { status } = response;
  if (status < 400) return null;
  const api = envelope(response);
  const message = api?.message ?? (response.content ? response.content.slice(0, 500) : `HTTP ${status}`);
  if (status === 401) {
    // Core raises this before any app middleware on a 401; kept for requests that opt out of that.
    // Zapier refreshes the token and retries (autoRefresh); a refresh that fails asks the user to reconnect.
    return new z.errors.RefreshAuthError(`Greenlight did not accept the access token: ${message}`);
  }
  if (status === 429) {
    const delay = retryAfterSeconds(response);
    return new z.errors.ThrottledError(`Greenlight's rate limit for this connection was reached; retrying in ${delay} s. ${message}`, delay);
  }
  if (status === 503 && api?.code === 'EMERGENCY_STOP') {
    return new z.errors.Error(
      'Greenlight’s emergency stop is on for your organization: approval requests cannot be created, decided or cancelled ' +
        'until an admin turns it off in the Greenlight dashboard. Replay this Zap run afterwards.',
      'EMERGENCY_STOP',
      status,
    );
  }
  if (status >= 400 && status < 500) {
    return new z.errors.Error(message, api?.code ?? `HTTP_${status}`, status);
  }
  return new z.errors.Error(`Greenlight is unavailable (HTTP ${status}): ${message}. Zapier will retry.`, api?.code ?? `HTTP_${status}`, status);
}

/** `after` middleware: raises the mapped error unless the caller asked to see the status itself. */
export const handleErrors: AfterResponseMiddleware = (response, z) => {
  if (response.skipThrowForStatus || isOAuthEndpoint(response.request.url)) return response;
  const error = errorFor(z, response);
  if (error) throw error;
  return response;
};
