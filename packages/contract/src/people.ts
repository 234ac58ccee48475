import { z } from './zod.ts';
import { Timestamp, TimestampInput, Uuid } from './common.ts';
import { LIMITS } from './approvals.ts';
import { Quorum } from './steps.ts';

/**
 * Out of office: while a member's delegation window is open, whatever asks them (named on a step, or
 * through a team) asks their delegate instead, who decides "for" them. One hop only: a delegate who is
 * away too does not pass it on (the assignment stays with the member), so there are no chains or cycles.
 */
export const DELEGATION_LIMITS = { maxDays: 366 } as const;

const PersonRef = z
  .object({
    id: z.uuid(),
    name: z.string().nullable().openapi({ description: "The person's name, or their email when they have none" }),
  })
  .openapi('PersonRef');

export const Delegation = z
  .object({
    user: PersonRef.openapi({ description: 'Who is away' }),
    delegate: PersonRef.openapi({ description: 'Who decides for them meanwhile' }),
    starts_at: Timestamp,
    ends_at: Timestamp,
    active: z.boolean().openapi({ description: 'Whether the window is open now (and the delegate still may decide): assignments go to the delegate' }),
    created_at: Timestamp,
  })
  .openapi('Delegation');
export type Delegation = z.infer<typeof Delegation>;

export const DelegationAnswer = z
  .object({ delegation: Delegation.nullable().openapi({ description: 'Null when none is set (or it has ended)' }) })
  .openapi('DelegationAnswer');

export const SetDelegationBody = z
  .strictObject({
    delegate_id: Uuid.openapi({ description: 'A member of the organization who may decide (approver or admin), not the person away' }),
    starts_at: TimestampInput.optional().openapi({ description: 'Default: now' }),
    ends_at: TimestampInput.openapi({ description: 'After `starts_at`, in the future, at most 366 days after the start' }),
  })
  .superRefine((b, ctx) => {
    const start = b.starts_at ? Date.parse(b.starts_at) : Date.now();
    const end = Date.parse(b.ends_at);
    if (end <= start) ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'ends_at must be after starts_at' });
    else if (end - start > DELEGATION_LIMITS.maxDays * 86_400_000) ctx.addIssue({ code: 'custom', path: ['ends_at'], message: `a delegation lasts at most ${DELEGATION_LIMITS.maxDays} days` });
    if (end <= Date.now()) ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'ends_at must be in the future' });
  })
  .openapi('SetDelegationRequest');
export type SetDelegationBody = z.infer<typeof SetDelegationBody>;

export const MemberDelegationParams = z.object({ userId: Uuid.openapi({ param: { name: 'userId', in: 'path' } }) });

/** Reassigning a pending step: who it asks from now on. */
export const ReassignStepBody = z
  .strictObject({
    user_ids: z.array(Uuid).max(LIMITS.stepApproversMax).default([]).openapi({ description: 'Members of the organization (not viewers)' }),
    team_ids: z.array(Uuid).max(LIMITS.stepApproversMax).default([]).openapi({ description: 'Teams of the organization' }),
    quorum: Quorum.optional().openapi({ description: "How many of them must approve; default: the step's current quorum" }),
    comment: z.string().max(LIMITS.commentMax).optional().openapi({ description: 'Why, kept on the event', example: 'Alice is on leave' }),
  })
  .refine((b) => b.user_ids.length + b.team_ids.length >= 1, { message: 'name at least one user or team (user_ids, team_ids)' })
  .openapi('ReassignStepRequest');
export type ReassignStepBody = z.infer<typeof ReassignStepBody>;
