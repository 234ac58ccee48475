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
  STEP_UP_REQUIRED: 403,
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
  VERSION_CONFLICT: 409,
  CONFIRMATION_REQUIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  EMERGENCY_STOP: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * Why a vote was refused: `error.details.reason` of every refusal of `PATCH /approvals/:id` and
 * `PATCH /approvals/:id/steps/:stepId` (besides the router's FORBIDDEN / INSUFFICIENT_SCOPE and
 * EMERGENCY_STOP, which say theirs in the code).
 */
export const DECISION_REFUSAL_REASONS = {
  requester: 'SELF_APPROVAL_FORBIDDEN: whoever asked for the request (the principal, or the person behind it) cannot approve it, even as a member of a team it asks',
  not_asked: 'NOT_APPROVER: the step is not asking you (you are neither named nor in a team it names)',
  admin_override_off: 'NOT_APPROVER: admins and API keys decide a step that does not ask them only when the organization allows the admin override',
  admin_only: "NOT_APPROVER: the organization's resolve_policy is admin_only: only admins decide",
  step_out_of_order: 'STEP_OUT_OF_ORDER: an earlier step is still pending (`details.next_step_order`)',
  already_voted: 'ALREADY_VOTED: you have voted on this step (or request) already, with this or another credential',
  not_pending: 'INVALID_STATUS: the request (or the step) is already decided, cancelled or expired',
  expired: 'APPROVAL_EXPIRED: the request is past its deadline',
  step_up_required:
    "STEP_UP_REQUIRED: the organization's step-up setting covers this request: only a person signed in to the dashboard whose session was confirmed with a passkey in the last five minutes decides it (docs/passkeys.md)",
  invalid_answer:
    'VALIDATION_ERROR (400): the approval\'s answer or edits do not fit what the request asks (`response_schema`, `editable`), or an approve without an answer on a request whose defaults do not answer it; `details.issues` names each field (`response.<field>`, `edits.<path>`) and why (docs/answers.md)',
} as const;
export type DecisionRefusalReason = keyof typeof DECISION_REFUSAL_REASONS;
export const describeRefusalReasons = () =>
  Object.entries(DECISION_REFUSAL_REASONS)
    .map(([k, v]) => `\`${k}\` (${v})`)
    .join('; ');
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
