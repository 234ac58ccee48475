import { ERROR_STATUS, type ErrorCode } from '@greenlight/contract';

/** The only error type handlers throw; http/errors.ts turns it into the envelope. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
    /** What was refused, in full (a ZodError for a validation error): a dialect words its refusals from it. */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what = 'approval request') => new ApiError('NOT_FOUND', `${what} not found`);

export const emergencyStop = () =>
  new ApiError('EMERGENCY_STOP', 'the emergency stop is on for this organization: approval requests cannot be changed until an admin turns it off');

/**
 * A 400 at one body field that a check beyond the schema refused (the other side, GitHub or a chat
 * platform, did not accept it; a setting is missing): `path` dotted as a schema's issues are
 * (http/errors.ts), `detail` the issue's own words.
 */
export const fieldError = (path: string, code: string, message: string, detail = message) =>
  new ApiError('VALIDATION_ERROR', message, { location: 'body', issues: [{ path, code, message: detail }] });
