import { z } from 'zod';
import type { HumanApprovalError } from '@greenlight/contract';
import type { ApiError } from '../../errors.ts';
import type { ErrorRenderer } from '../../http/errors.ts';

/**
 * Human Approval's wording of a refused field, in the style of its examples (`"can't be blank"`):
 * the short phrases of Ecto changesets, which its field errors are.
 */
function phrase(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // zod says so of a key that is absent (its issues do not carry the input).
      return /received undefined$/.test(issue.message) ? "can't be blank" : 'is invalid';
    case 'too_small':
      if (issue.origin === 'string') return issue.minimum === 1 ? "can't be blank" : `should be at least ${issue.minimum} character(s)`;
      return `must be greater than or equal to ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `should be at most ${issue.maximum} character(s)`;
      return `must be less than or equal to ${issue.maximum}`;
    case 'custom':
      return issue.message;
    default:
      return 'is invalid';
  }
}

/** Each refused field with its messages: from the schema's issues, else from what the error details name. */
function fieldErrors(e: ApiError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (field: string, message: string) => {
    if (field === '') return;
    (out[field] ??= []).push(message);
  };
  if (e.cause instanceof z.ZodError) {
    for (const issue of e.cause.issues) {
      const at = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add(at ? `${at}.${key}` : key, 'is not a field of this API');
      else add(at, phrase(issue));
    }
    return out;
  }
  const issues = (e.details?.issues ?? []) as { path?: string; message?: string }[];
  for (const issue of issues) if (issue.path && issue.message) add(issue.path, issue.message);
  return out;
}

/**
 * Every error of the Human Approval API as its document writes it: `{"error": "…", "errors": {field:
 * [messages]}}`, with the status Greenlight answers. The one translation of a status: an external_id
 * already used in the organization is a refused field there (400), not a conflict (409).
 */
export const renderHumanApprovalError: ErrorRenderer = (e) => {
  if (e.code === 'EXTERNAL_ID_CONFLICT') {
    return { status: 400, body: { error: 'external_id has already been taken', errors: { external_id: ['has already been taken'] } } satisfies HumanApprovalError };
  }
  const errors = e.code === 'VALIDATION_ERROR' ? fieldErrors(e) : {};
  const first = Object.entries(errors)[0];
  const message = first ? `${first[0]} ${first[1][0]}` : e.message;
  return { status: e.status, body: { error: message, errors } satisfies HumanApprovalError };
};
