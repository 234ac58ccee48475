import type { Handlers } from '../http/router.ts';
import { createApproval } from './approvals/create-approval.ts';
import { listApprovals } from './approvals/list-approvals.ts';
import { getApproval } from './approvals/get-approval.ts';
import { decideApproval } from './approvals/decide-approval.ts';
import { cancelApproval } from './approvals/cancel-approval.ts';
import { listApprovalEvents } from './approvals/list-approval-events.ts';
import { createComment } from './comments/create-comment.ts';
import { listComments } from './comments/list-comments.ts';
import { listSteps } from './steps/list-steps.ts';
import { configureSteps } from './steps/configure-steps.ts';
import { voteStep } from './steps/vote-step.ts';
import { getMe } from './me/get-me.ts';

/** operationId → handler. Adding a route to the contract without a handler here fails the type check. */
export const handlers: Handlers = {
  createApproval,
  listApprovals,
  getApproval,
  decideApproval,
  cancelApproval,
  listApprovalEvents,
  createComment,
  listComments,
  listSteps,
  configureSteps,
  voteStep,
  getMe,
};
