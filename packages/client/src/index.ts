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
export { Transport, parseRetryAfter, type ClientOptions } from './transport.ts';
export * from './errors.ts';
export { parseWebhook } from './webhooks.ts';
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
