import type { ErrorCode } from './generated/contract.ts';
import { headerValue, type HeaderSource } from './webhook-signature.ts';
import { parseRetryAfter } from './retry-after.ts';

/**
 * What a failed API call means for the person whose automation made it, decided once for n8n,
 * Zapier and Make: each platform maps a kind onto its own error type (a table in each package;
 * Make's is generated into its app JSON), and every platform shows the same message.
 *
 * - reauthorize: the credential is not accepted; the user must reconnect.
 * - forbidden: the credential is valid but may not do this (scope, role, four-eyes).
 * - throttle: the rate limit; retry after `retryAfterSeconds`.
 * - bad_input: the step's input is wrong; fix it.
 * - duplicate: the input names something that already exists (external ID, idempotency key).
 * - not_found: no such request (or step, webhook…), or not visible to this credential.
 * - conflict: the request's state forbids it now (already decided, expired, out of order…).
 * - stopped: the organization's emergency stop is on; an admin must turn it off.
 * - unavailable: Greenlight failed or cannot be reached; retry later.
 */
export const ERROR_KINDS = ['reauthorize', 'forbidden', 'throttle', 'bad_input', 'duplicate', 'not_found', 'conflict', 'stopped', 'unavailable'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** The kind of every error code of the contract. A new code fails type-checking until it is listed. */
export const ERROR_KIND: Record<ErrorCode, ErrorKind> = {
  VALIDATION_ERROR: 'bad_input',
  INVALID_JSON: 'bad_input',
  INVALID_PAGE_TOKEN: 'bad_input',
  UNAUTHORIZED: 'reauthorize',
  FORBIDDEN: 'forbidden',
  INSUFFICIENT_SCOPE: 'forbidden',
  SELF_APPROVAL_FORBIDDEN: 'forbidden',
  NOT_APPROVER: 'forbidden',
  STEP_UP_REQUIRED: 'forbidden',
  NOT_FOUND: 'not_found',
  METHOD_NOT_ALLOWED: 'bad_input',
  INVALID_STATUS: 'conflict',
  APPROVAL_EXPIRED: 'conflict',
  ALREADY_VOTED: 'conflict',
  STEP_OUT_OF_ORDER: 'conflict',
  STEPS_LOCKED: 'conflict',
  IDEMPOTENCY_KEY_REUSED: 'duplicate',
  EXTERNAL_ID_CONFLICT: 'duplicate',
  LIMIT_REACHED: 'conflict',
  LAST_ADMIN: 'conflict',
  ALREADY_MEMBER: 'duplicate',
  NAME_TAKEN: 'duplicate',
  IN_USE: 'conflict',
  VERSION_CONFLICT: 'conflict',
  CONFIRMATION_REQUIRED: 'conflict',
  PAYLOAD_TOO_LARGE: 'bad_input',
  UNSUPPORTED_MEDIA_TYPE: 'bad_input',
  RATE_LIMITED: 'throttle',
  INTERNAL_ERROR: 'unavailable',
  EMERGENCY_STOP: 'stopped',
  SERVICE_UNAVAILABLE: 'unavailable',
};

/** The kind of an answer that carries no code of the contract (a proxy's 502, an HTML error page). */
export const STATUS_KIND: Readonly<Record<number, ErrorKind>> = { 401: 'reauthorize', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 429: 'throttle' };

export function kindOf(status: number, code?: string): ErrorKind {
  if (code !== undefined && Object.hasOwn(ERROR_KIND, code)) return ERROR_KIND[code as ErrorCode];
  return STATUS_KIND[status] ?? (status >= 400 && status < 500 ? 'bad_input' : 'unavailable');
}

/**
 * The message of each kind. `{message}` is the API's own message (or, without an error envelope,
 * the start of the body, or `no details`), `{status}` the HTTP status and `{retry_after}` the
 * seconds to wait. Where the API's message already says what to fix, it is the whole message.
 */
export const ERROR_MESSAGES: Record<ErrorKind, string> = {
  reauthorize: 'Greenlight did not accept the credentials of this connection ({message}): reconnect it.',
  forbidden: '{message}',
  throttle: "Greenlight's rate limit for this connection was reached; try again in {retry_after} s. {message}",
  bad_input: '{message}',
  duplicate: '{message}',
  not_found: '{message}',
  conflict: '{message}',
  stopped:
    'Greenlight’s emergency stop is on for your organization: approval requests cannot be created, decided or cancelled ' +
    'until an admin turns it off in the Greenlight dashboard. Run this step again afterwards.',
  unavailable: 'Greenlight is unavailable (HTTP {status}): {message}. Try again later.',
};

export type MessageSlot = 'message' | 'status' | 'retry_after';

/** A message template as literal text and slots, for platforms that build it in their own language (Make's IML). */
export function messageParts(kind: ErrorKind): (string | { slot: MessageSlot })[] {
  return ERROR_MESSAGES[kind]
    .split(/(\{(?:message|status|retry_after)\})/)
    .filter((p) => p !== '')
    .map((p) => (/^\{\w+\}$/.test(p) ? { slot: p.slice(1, -1) as MessageSlot } : p));
}

/** The longest message or body text shown; an HTML error page says nothing useful past it. */
export const MAX_MESSAGE_LENGTH = 500;

/** Without a usable Retry-After, a throttled call waits this long. */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** The API's error envelope `{error: {code, message, details?, request_id}}`. */
export interface ApiError {
  code: string;
  message: string;
  request_id?: string;
  details?: Record<string, unknown>;
}

/** A response body (parsed, JSON text, or bytes) → its error envelope, when it is one. */
export function apiErrorOf(body: unknown): ApiError | undefined {
  const parsed = parseJsonBody(body);
  const error = (parsed as { error?: unknown } | null | undefined)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const { code, message, request_id, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return {
    code,
    message,
    ...(typeof request_id === 'string' ? { request_id } : {}),
    ...(details && typeof details === 'object' ? { details: details as Record<string, unknown> } : {}),
  };
}

/** JSON text or bytes parsed; anything else (an object, unparsable text) as it is. */
export function parseJsonBody(body: unknown): unknown {
  if (body instanceof Uint8Array) return parseJsonBody(new TextDecoder().decode(body));
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

export interface ClassifiedError {
  kind: ErrorKind;
  status: number;
  /** The API's error code, or `HTTP_<status>` for an answer without an envelope. */
  code: string;
  /** What the user reads, the same on every platform. */
  message: string;
  /** The API's own message (or the body text) that the message quotes. */
  detail: string;
  requestId?: string;
  /** For `throttle`: seconds to wait before retrying. */
  retryAfterSeconds?: number;
}

function bodyText(body: unknown): string {
  const parsed = parseJsonBody(body);
  if (parsed === undefined || parsed === null || parsed === '') return '';
  return typeof parsed === 'string' ? parsed : JSON.stringify(parsed);
}

/** A failed call's status, body and headers → what it means and what the user reads. */
export function classifyError(status: number, body: unknown, headers: HeaderSource = {}, now: number = Date.now()): ClassifiedError {
  const api = apiErrorOf(body);
  const kind = kindOf(status, api?.code);
  const detail = (api?.message ?? (bodyText(body) || 'no details')).slice(0, MAX_MESSAGE_LENGTH);
  const retryAfterSeconds = kind === 'throttle' ? (parseRetryAfter(headerValue(headers, 'retry-after'), now) ?? DEFAULT_RETRY_AFTER_SECONDS) : undefined;
  const slots: Record<MessageSlot, string> = { message: detail, status: String(status), retry_after: String(retryAfterSeconds ?? '') };
  const message = messageParts(kind)
    .map((p) => (typeof p === 'string' ? p : slots[p.slot]))
    .join('');
  return {
    kind,
    status,
    code: api?.code ?? `HTTP_${status}`,
    message,
    detail,
    ...(api?.request_id ? { requestId: api.request_id } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  };
}
