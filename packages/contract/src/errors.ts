import { z } from './zod.ts';

/**
 * Every error code the API answers with, and the HTTP status it always carries.
 * The server's error middleware maps code → status through this table only.
 */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  INVALID_PAGE_TOKEN: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  INSUFFICIENT_SCOPE: 403,
  SELF_APPROVAL_FORBIDDEN: 403,
  NOT_APPROVER: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INVALID_STATUS: 409,
  APPROVAL_EXPIRED: 409,
  ALREADY_VOTED: 409,
  STEP_OUT_OF_ORDER: 409,
  STEPS_LOCKED: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  EXTERNAL_ID_CONFLICT: 409,
  LIMIT_REACHED: 409,
  LAST_ADMIN: 409,
  ALREADY_MEMBER: 409,
  NAME_TAKEN: 409,
  IN_USE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  EMERGENCY_STOP: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];
export const ErrorCodeSchema = z.enum(ERROR_CODES).openapi('ErrorCode');

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string().openapi({ example: 'title is required' }),
      details: z.record(z.string(), z.unknown()).optional(),
      request_id: z.string().openapi({ example: 'req_3f2a9c1e5b7d4a60' }),
    }),
  })
  .openapi('Error', { description: 'Every error answered by /api/v1 has this shape.' });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
