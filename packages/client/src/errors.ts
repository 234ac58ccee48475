/**
 * One error class per kind of failure, so callers branch with `instanceof` rather than on numbers.
 * API errors carry the envelope's `code`, `message`, `details` and `request_id` (quote it to support).
 */

export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  headers?: Headers | undefined;
}

export class GreenlightError extends Error {
  override name = 'GreenlightError';
}

/** Any error answered by the API. Subclasses narrow it by status. */
export class ApiError extends GreenlightError {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly requestId: string | undefined;
  readonly headers: Headers | undefined;
  constructor(init: ApiErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.requestId = init.requestId;
    this.headers = init.headers;
  }
}

/** 400, 413, 415: the request itself is wrong; sending it again cannot help. */
export class ValidationError extends ApiError {
  override name = 'ValidationError';

  /**
   * Each field the server refused and why (`details.issues`), e.g. `{ path: 'response.amount', message:
   * 'Too big: expected number to be <=500' }` for an answer; empty when the server named none.
   */
  get issues(): { path: string; code?: string; message: string }[] {
    const issues = this.details?.issues;
    if (!Array.isArray(issues)) return [];
    return issues.filter((i): i is { path: string; code?: string; message: string } => typeof i?.path === 'string' && typeof i?.message === 'string');
  }
}
/** 401: missing, invalid, expired or revoked credentials. */
export class AuthenticationError extends ApiError {
  override name = 'AuthenticationError';
}
/** 403: authenticated, but not allowed (scope, role, self-approval, not the step's approver). */
export class PermissionError extends ApiError {
  override name = 'PermissionError';
}
export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
}
/** 409: the request conflicts with the resource's state (already decided, idempotency key reused…). */
export class ConflictError extends ApiError {
  override name = 'ConflictError';
}
/** 429, once the client's own retries are spent (or the wait would be too long). */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
  /** Seconds until the window resets (Retry-After). */
  readonly retryAfter: number | undefined;
  constructor(init: ApiErrorInit & { retryAfter?: number | undefined }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}
/** 503 EMERGENCY_STOP: an admin stopped all approval activity in the organization. Not retried. */
export class EmergencyStopError extends ApiError {
  override name = 'EmergencyStopError';
}
/** 5xx other than the emergency stop, once retries are spent. */
export class ServerError extends ApiError {
  override name = 'ServerError';
}

/** No response at all (connection refused, reset, DNS, timeout), once retries are spent. */
export class NetworkError extends GreenlightError {
  override name = 'NetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A response that does not match the contract: the server (or something in between) is not the API this client was built for. */
export class ContractMismatchError extends GreenlightError {
  override name = 'ContractMismatchError';
  constructor(
    message: string,
    readonly operationId: string,
    readonly status: number,
    /** Where the body differs: zod's issues, or a short reason. */
    readonly issues: readonly { path: (string | number)[]; message: string }[],
    readonly body: unknown,
  ) {
    super(message);
  }
}

/**
 * An answer or a delivery about another request than the one asked about or waited for. Never an
 * outcome: a waiter continues only on the decision of the request it made. From the API (a proxy or
 * cache that mixed answers up), or from `parseWebhook` (another request's callback sent to this
 * receiver: any request may name any callback URL; answer it 410 so Greenlight stops sending it).
 */
export class WrongRequestError extends ContractMismatchError {
  override name = 'WrongRequestError';
  constructor(
    /** The request asked about or waited for. */
    readonly expected: string,
    /** The id the answer or delivery named instead (as it came: possibly missing). */
    readonly received: unknown,
    operationId: string,
    status: number,
    body: unknown,
  ) {
    super(`${operationId === 'webhook' ? 'the delivery' : operationId} is about request ${String(received)}, not ${expected}`, operationId, status, [{ path: ['id'], message: `not ${expected}` }], body);
  }
}

/** `waitForDecision` reached its overall timeout with the request still pending. */
export class DecisionTimeoutError extends GreenlightError {
  override name = 'DecisionTimeoutError';
  /** A wait that ran out is no decision: the request is still pending. */
  readonly outcome = 'timed_out' as const;
  constructor(
    readonly approvalId: string,
    /** The request as last seen (still pending). */
    readonly approval: unknown,
  ) {
    super(`approval request ${approvalId} is still pending`);
  }
}

export function apiErrorFor(init: ApiErrorInit & { retryAfter?: number | undefined }): ApiError {
  const { status, code } = init;
  if (status === 429) return new RateLimitError(init);
  if (code === 'EMERGENCY_STOP') return new EmergencyStopError(init);
  if (status === 400 || status === 413 || status === 415) return new ValidationError(init);
  if (status === 401) return new AuthenticationError(init);
  if (status === 403) return new PermissionError(init);
  if (status === 404) return new NotFoundError(init);
  if (status === 409) return new ConflictError(init);
  if (status >= 500) return new ServerError(init);
  return new ApiError(init);
}

/**
 * What a server restart, a dropped connection or an overloaded server looks like, once the
 * transport's retries are spent: no response, a 5xx other than the emergency stop, a 429. Asking
 * again later may succeed; every other error will answer the same.
 */
export function isTransient(err: unknown): boolean {
  return err instanceof NetworkError || err instanceof ServerError || err instanceof RateLimitError;
}
