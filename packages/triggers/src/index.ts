export * from './fields.ts';
export * from './request.ts';
export * from './polling.ts';
export * from './webhook-signature.ts';
export * from './samples.ts';
export * from './outcome.ts';
export * from './errors.ts';
export * from './retry-after.ts';
export * from './answers.ts';
export * from './generated/contract.ts';
export { subscribeRequest, unsubscribeRequest, WEBHOOKS_PATH, type TriggerDefinition, type WebhookSpec } from './triggers/define.ts';
export { newApprovalTrigger } from './triggers/new-approval.ts';
export { approvalDecidedTrigger, DECISION_TIME_FIELDS, OUTCOMES, type Outcome, type DecidedFilters } from './triggers/approval-decided.ts';
export type { CommentItem, StepDecidedItem } from './items.ts';
export { newCommentTrigger } from './triggers/new-comment.ts';
export { stepDecidedTrigger } from './triggers/step-decided.ts';

import { newApprovalTrigger } from './triggers/new-approval.ts';
import { approvalDecidedTrigger } from './triggers/approval-decided.ts';
import { newCommentTrigger } from './triggers/new-comment.ts';
import { stepDecidedTrigger } from './triggers/step-decided.ts';

/** Every trigger, by key. */
export const TRIGGERS = {
  new_approval: newApprovalTrigger,
  approval_decided: approvalDecidedTrigger,
  new_comment: newCommentTrigger,
  step_decided: stepDecidedTrigger,
} as const;
