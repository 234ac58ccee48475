import { z } from './zod.ts';
import { ApprovalStatus } from './approvals.ts';
import { Principal, Timestamp } from './common.ts';
import { EVENT_TYPES } from './event-types.ts';

/**
 * Every state change appends one immutable event. The same rows are the audit trail
 * (`GET /approvals/:id/events`) and the source that delivery, SSE and triggers read from.
 */
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
