import type { ErrorRequestHandler } from 'express';
import { SCIM_MEDIA_TYPE, SCIM_SCHEMAS, type ScimError, type ScimErrorType } from '@greenlight/contract';
import { ApiError } from '../../errors.ts';
import { toApiError } from '../../http/errors.ts';

/**
 * A refusal in SCIM's terms (RFC 7644 §3.12): an ApiError (so the auth-failure limiter and the
 * request log see it as any other) whose details carry the `scimType`.
 */
export const scimError = (status: 400 | 404 | 409, scimType: ScimErrorType | null, detail: string): ApiError =>
  new ApiError(status === 404 ? 'NOT_FOUND' : status === 409 ? 'NAME_TAKEN' : 'VALIDATION_ERROR', detail, scimType ? { scimType } : undefined);

export const scimNotFound = (what: 'User' | 'Group', id: string) => scimError(404, null, `${what} ${id} not found`);

const UNIQUENESS = new Set(['NAME_TAKEN', 'ALREADY_MEMBER', 'EXTERNAL_ID_CONFLICT']);

/** The SCIM error body of any error a SCIM request raised; never a stack trace, and a 5xx says nothing more. */
export function scimErrorBody(err: ApiError): { status: number; body: ScimError } {
  const given = err.details?.scimType;
  let scimType: ScimErrorType | undefined = typeof given === 'string' ? (given as ScimErrorType) : undefined;
  if (!scimType && UNIQUENESS.has(err.code)) scimType = 'uniqueness';
  if (!scimType && err.code === 'INVALID_JSON') scimType = 'invalidSyntax';
  if (!scimType && err.code === 'VALIDATION_ERROR') scimType = 'invalidValue';
  return {
    status: err.status,
    body: { schemas: [SCIM_SCHEMAS.error], status: String(err.status), ...(scimType ? { scimType } : {}), detail: err.message },
  };
}

export const scimErrorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const apiError = toApiError(err);
  if (apiError.status >= 500) req.log?.error({ err }, 'SCIM request failed');
  if (res.headersSent) return;
  if (apiError.headers) res.set(apiError.headers);
  const { status, body } = scimErrorBody(apiError);
  res.status(status).type(SCIM_MEDIA_TYPE).send(JSON.stringify(body));
};
