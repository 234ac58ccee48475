import { z } from './zod.ts';
import { ApprovalStatus } from './approvals.ts';
import { Principal, Timestamp } from './common.ts';

/**
 * Every state change appends one immutable event. The same rows are the audit trail
 * (`GET /approvals/:id/events`) and the source that delivery, SSE and triggers read from.
 */
export const EVENT_TYPES = [
  'approval.created',
  'approval.vote_recorded',
  'approval.approved',
  'approval.rejected',
  'approval.cancelled',
  'approval.expired',
  'comment.created',
  'steps.configured',
  'step.decided',
  // An approved request's automation reported what it did (data: status, message, url).
  'approval.execution_reported',
  // An approver (or an admin) rescinded an approval within its window: status approved → rejected
  // (data: reason). Delivered to the callback like a decision, and to subscriptions that chose it.
  'approval.revoked',
  // A vote on a step that does not yet complete it (its quorum is not met).
  'step.vote_recorded',
  // A step waited past its escalation policy: data.step_order, data.to, data.added_user_ids, data.added_team_ids.
  'step.escalated',
  // A pending step now asks other people or teams (data: step_id, step_order, from, to, comment).
  'step.reassigned',
  // Org-level, approval_id null: a delivery exhausted its retries (its subscription is disabled).
  'delivery.failed',
] as const;
export const EventType = z.enum(EVENT_TYPES).openapi('EventType');
export type EventType = z.infer<typeof EventType>;

export const ApprovalEvent = z
  .object({
    id: z.string().openapi({ description: 'Monotonic per server database; stable', example: '1042' }),
    type: EventType,
    approval_id: z.uuid(),
    actor: Principal,
    from_status: ApprovalStatus.nullable(),
    to_status: ApprovalStatus.nullable(),
    data: z.record(z.string(), z.unknown()),
    created_at: Timestamp,
  })
  .openapi('ApprovalEvent');
export type ApprovalEvent = z.infer<typeof ApprovalEvent>;

export const ApprovalEventList = z.object({ data: z.array(ApprovalEvent) }).openapi('ApprovalEventList');
