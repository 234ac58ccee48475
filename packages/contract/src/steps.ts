import { z } from './zod.ts';
import { Decision, LIMITS } from './approvals.ts';
import { Answer, answersOnlyWithApproval, Edits } from './answers.ts';
import { Timestamp } from './common.ts';

export const STEP_STATUSES = ['pending', 'approved', 'rejected', 'expired', 'skipped'] as const;
export const StepStatus = z.enum(STEP_STATUSES).openapi('StepStatus', {
  description:
    '`pending`: waiting for its votes, or, in a sequential request, for the steps before it. `approved` / `rejected`: decided by its votes. ' +
    "Once the request ends, no step is left `pending`: `expired`, the request's time ran out while this step was asked (the step's " +
    "time limit or the request's deadline: the active step of a sequential request, every open step of a parallel one); `skipped`, " +
    'the request ended otherwise (decided on another step, cancelled, or expired before this step was reached) before this step was decided.',
});

export const Quorum = z
  .union([z.number().int().min(1).max(LIMITS.stepApproversMax), z.literal('all')])
  .openapi('Quorum', {
    description:
      'How many of the people a step asks must approve: a number (`1`: the first to respond), or `all` (every person it names ' +
      'and every member of the teams it names, as the teams are when votes are cast; the requester excepted). One rejection rejects the step.',
    example: 1,
  });
export type Quorum = z.infer<typeof Quorum>;

export const ConfigureStepsBody = z
  .strictObject({
    steps: z
      .array(
        z
          .strictObject({
            approver_id: z.uuid().optional().openapi({ description: 'A member of the organization', example: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f' }),
            team_id: z.uuid().optional().openapi({ description: 'A team of the organization, instead of `approver_id`' }),
            quorum: Quorum.default(1).openapi({ description: 'With `team_id`: how many of its members must approve (default 1)' }),
            step_order: z.number().int().min(1).max(1000),
          })
          .superRefine((step, ctx) => {
            if ((step.approver_id === undefined) === (step.team_id === undefined)) {
              ctx.addIssue({ code: 'custom', path: ['approver_id'], message: 'a step names one approver_id or one team_id' });
            } else if (step.approver_id !== undefined && step.quorum !== 1 && step.quorum !== 'all') {
              ctx.addIssue({ code: 'custom', path: ['quorum'], message: 'a step of one approver has a quorum of 1' });
            }
          }),
      )
      .min(1)
      .max(LIMITS.stepsMax)
      .superRefine((steps, ctx) => {
        const seen = new Set<number>();
        steps.forEach((s, i) => {
          if (seen.has(s.step_order)) ctx.addIssue({ code: 'custom', path: [i, 'step_order'], message: `step_order ${s.step_order} is used twice` });
          seen.add(s.step_order);
        });
      }),
  })
  .openapi('ConfigureStepsRequest');
export type ConfigureStepsBody = z.infer<typeof ConfigureStepsBody>;

export const StepApprover = z
  .object({
    type: z.enum(['user', 'team']),
    id: z.uuid(),
    name: z.string().nullable().openapi({ description: "The person's name (or email), or the team's name; null when it no longer exists" }),
    delegated_to: z
      .object({ id: z.uuid(), name: z.string().nullable(), until: Timestamp })
      .nullable()
      .optional()
      .openapi({ description: 'A person who is away: who is asked in their place now, and until when (their delegation); null otherwise' }),
  })
  .openapi('StepApprover');
export type StepApprover = z.infer<typeof StepApprover>;

export const Step = z
  .object({
    id: z.uuid(),
    approval_request_id: z.uuid(),
    step_order: z.number().int(),
    approver_id: z.uuid().nullable().openapi({ description: 'The approver when the step asks exactly one person and no team; null otherwise (see `approvers`)' }),
    approvers: z.array(StepApprover).openapi({ description: 'Everyone the step asks: people, then teams' }),
    quorum: Quorum,
    status: StepStatus,
    decided_at: Timestamp.nullable().openapi({ description: 'When the step was decided, or when its time ran out (`expired`); null while pending and when skipped' }),
    decided_by: z.uuid().nullable(),
    comment: z.string().nullable(),
  })
  .openapi('Step');
export type Step = z.infer<typeof Step>;

export const StepList = z.object({ data: z.array(Step) }).openapi('StepList');

export const StepParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
  stepId: z.uuid().openapi({ param: { name: 'stepId', in: 'path' } }),
});

export const VoteStepBody = z
  .strictObject({
    decision: Decision,
    comment: z.string().max(LIMITS.commentMax).optional().openapi({ example: 'LGTM' }),
    response: Answer.optional().openapi({ description: "The answer to the request's `response_schema`: only with an approval, checked on the server" }),
    edits: Edits.optional().openapi({ description: 'New values for fields the request marks `editable`: only with an approval' }),
  })
  .superRefine(answersOnlyWithApproval)
  .openapi('VoteStepRequest');
export type VoteStepBody = z.infer<typeof VoteStepBody>;
