import type { ErrorCode } from '@greenlight/contract';
import { ApiError } from '../api/client.ts';

/**
 * What each refusal means to the person at the screen. Exhaustive over the contract's error codes:
 * a new code fails the typecheck until it is worded here.
 */
const WORDS: Record<ErrorCode, (message: string) => string> = {
  VALIDATION_ERROR: (m) => `Something in the form is not valid: ${m}.`,
  INVALID_JSON: () => 'The request could not be read. Reload the page and try again.',
  INVALID_PAGE_TOKEN: () => 'That page of results is no longer available. Go back to the first page.',
  UNAUTHORIZED: () => 'Your session has ended. Sign in again.',
  FORBIDDEN: (m) => `You don’t have permission to do this (${m}).`,
  INSUFFICIENT_SCOPE: (m) => `You don’t have permission to do this (${m}).`,
  SELF_APPROVAL_FORBIDDEN: () =>
    'You asked for this yourself, so someone else has to approve it (four-eyes rule). You can still reject or cancel it.',
  NOT_APPROVER: () => 'You are not an approver of the step this request is waiting on.',
  STEP_UP_REQUIRED: () => 'Confirm with your passkey first: this organization requires it to decide such requests.',
  NOT_FOUND: () => 'This no longer exists, or you cannot see it.',
  METHOD_NOT_ALLOWED: (m) => m,
  INVALID_STATUS: (m) => `This can’t be done any more: ${m}. Reload to see where it stands.`,
  APPROVAL_EXPIRED: () => 'This request expired before anyone decided, so it can no longer be approved or rejected.',
  ALREADY_VOTED: () => 'You have already voted on this request.',
  STEP_OUT_OF_ORDER: () => 'An earlier step has to be decided first: the steps of this request go in order.',
  STEPS_LOCKED: () => 'The steps can’t change once someone has voted.',
  IDEMPOTENCY_KEY_REUSED: (m) => m,
  EXTERNAL_ID_CONFLICT: (m) => m,
  LIMIT_REACHED: (m) => `A limit was reached: ${m}.`,
  LAST_ADMIN: () => 'The organization needs at least one admin: make someone else admin first.',
  ALREADY_MEMBER: () => 'That person is already a member.',
  NAME_TAKEN: (m) => `That name is taken: ${m}.`,
  IN_USE: (m) => `This is still in use: ${m}.`,
  VERSION_CONFLICT: () => 'Someone saved a change in the meantime. Reload to see it, then make your change again.',
  CONFIRMATION_REQUIRED: (m) => m,
  PAYLOAD_TOO_LARGE: () => 'That is too long to save.',
  UNSUPPORTED_MEDIA_TYPE: (m) => m,
  RATE_LIMITED: () => 'Too many requests in a short time. Wait a moment and try again.',
  INTERNAL_ERROR: () => 'Something went wrong on the server. Try again; if it keeps happening, tell an admin.',
  EMERGENCY_STOP: () =>
    'The emergency stop is on: no request can be created, approved, rejected or cancelled until an admin turns it off.',
  SERVICE_UNAVAILABLE: () => 'Greenlight is briefly unavailable. Try again in a moment.',
};

export function plainWords(err: unknown): string {
  if (err instanceof ApiError) return WORDS[err.code](err.message.replace(/\.$/, ''));
  if (err instanceof DOMException && err.name === 'AbortError') return '';
  if (err instanceof TypeError) return 'Greenlight could not be reached. Check your connection and try again.';
  return err instanceof Error ? err.message : String(err);
}
