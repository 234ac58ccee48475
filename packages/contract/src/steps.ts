import { z } from './zod.ts';
import { Decision, LIMITS } from './approvals.ts';
import { Timestamp } from './common.ts';

export const STEP_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const StepStatus = z.enum(STEP_STATUSES).openapi('StepStatus');

export const ConfigureStepsBody = z
  .strictObject({
    steps: z
      .array(
        z.strictObject({
          approver_id: z.uuid().openapi({ description: 'A member of the organization', example: 'b7e0c2f4-1a2b-4c3d-8e9f-0a1b2c3d4e5f' }),
          step_order: z.number().int().min(1).max(1000),
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

export const Step = z
  .object({
    id: z.uuid(),
    approval_request_id: z.uuid(),
    step_order: z.number().int(),
    approver_id: z.uuid(),
    status: StepStatus,
    decided_at: Timestamp.nullable(),
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
  })
  .openapi('VoteStepRequest');
export type VoteStepBody = z.infer<typeof VoteStepBody>;
