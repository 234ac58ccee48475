export {
  Greenlight,
  RECONNECT_MAX_DELAY_MS,
  REVOKE_WINDOW_MARGIN_MS,
  REVOKE_WINDOW_POLL_MS,
  type Decided,
  type WaitAnswer,
  type WaitForDecisionOptions,
  type WaitOutcomeResult,
} from './client.ts';
export { Transport, type ClientOptions } from './transport.ts';
// Retry-After as every Greenlight package reads it (the trigger layer's, RFC 9110 §10.2.3).
export { parseRetryAfter } from '@greenlight/triggers';
export * from './errors.ts';
export { parseWebhook, type ParseWebhookOptions } from './webhooks.ts';
export type * from './types.ts';
export type { paths, components, operations } from './generated/openapi.ts';
export {
  outcomeOfStatus,
  DECISION_OUTCOMES,
  WAIT_OUTCOMES,
  type DecisionOutcome,
  type WaitOutcome,
  verifyWebhook,
  signWebhook,
  WebhookVerificationError,
  DEFAULT_TOLERANCE_SECONDS,
  type VerifyWebhookOptions,
  type VerifiedWebhook,
  type HeaderSource,
} from '@greenlight/triggers';
