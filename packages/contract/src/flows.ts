import { z } from './zod.ts';
import { Approval, LIMITS, OnExpiry, ApprovalStatus } from './approvals.ts';
import { Timestamp, Uuid } from './common.ts';
import { Quorum, Step } from './steps.ts';
import { ReminderPolicy } from './reminders.ts';

/**
 * Approval flows: reusable templates of ordered steps. `flow_id` on create starts a run of the flow's
 * current version; a run keeps the version it began with, whatever later changes the flow.
 */
export const FLOW_LIMITS = { nameMax: 200, descriptionMax: 2000, timeLimitMaxSeconds: 90 * 86_400, flowsMax: 200 } as const;

/** A time limit or expiry of a flow, its steps or a routing rule: from a minute to FLOW_LIMITS.timeLimitMaxSeconds. */
export const FlowSeconds = z.number().int().min(60).max(FLOW_LIMITS.timeLimitMaxSeconds);

export const FlowApprovers = z
  .strictObject({
    user_ids: z.array(Uuid).max(LIMITS.stepApproversMax).default([]).openapi({ description: 'Members of the organization (not viewers)' }),
    team_ids: z.array(Uuid).max(LIMITS.stepApproversMax).default([]).openapi({ description: 'Teams of the organization' }),
  })
  .refine((a) => a.user_ids.length + a.team_ids.length >= 1, { message: 'a step names at least one user or team' })
  .openapi('FlowApprovers');

export const FlowStep = z
  .strictObject({
    name: z.string().trim().min(1).max(FLOW_LIMITS.nameMax).optional().openapi({ example: 'SRE on call' }),
    approvers: FlowApprovers,
    quorum: Quorum.default(1),
    time_limit_seconds: FlowSeconds.optional().openapi({ description: "How long the step may wait once it is the run's active step; when it passes, the request's `on_expiry` applies as at its expiry" }),
    reminders: ReminderPolicy.optional().openapi({ description: "Reminders and escalation while the step is the run's active step (default: the org's)" }),
  })
  .openapi('FlowStep');

const FlowFields = {
  name: z.string().trim().min(1).max(FLOW_LIMITS.nameMax).openapi({ description: 'Unique in the organization, ignoring case', example: 'Production deploy' }),
  description: z.string().max(FLOW_LIMITS.descriptionMax).optional(),
  steps: z.array(FlowStep).min(1).max(LIMITS.stepsMax).openapi({ description: 'In order: each step waits for the one before it' }),
  expires_in_seconds: FlowSeconds.optional().openapi({ description: 'A run expires this long after it starts (unless the request gives its own `expires_at`)' }),
  on_expiry: OnExpiry.default('expire'),
};

export const CreateFlowBody = z.strictObject(FlowFields).openapi('CreateFlowRequest');
export type CreateFlowBody = z.infer<typeof CreateFlowBody>;

/** A change makes a new version; runs already started keep theirs. Fields left out keep their value; `null` clears an optional one. */
export const UpdateFlowBody = z
  .strictObject({
    name: FlowFields.name.optional(),
    description: z.string().max(FLOW_LIMITS.descriptionMax).nullable().optional(),
    steps: FlowFields.steps.optional(),
    expires_in_seconds: FlowFields.expires_in_seconds.unwrap().nullable().optional(),
    on_expiry: OnExpiry.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' })
  .openapi('UpdateFlowRequest');
export type UpdateFlowBody = z.infer<typeof UpdateFlowBody>;

export const FlowStepOut = z
  .object({
    name: z.string().nullable(),
    approvers: z.object({ user_ids: z.array(z.uuid()), team_ids: z.array(z.uuid()) }),
    quorum: Quorum,
    time_limit_seconds: z.number().int().nullable(),
    reminders: ReminderPolicy.nullable(),
  })
  .openapi('FlowStepDefinition');

export const Flow = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    version: z.number().int().min(1).openapi({ description: 'Increases with every change; a run names the version it started with' }),
    steps: z.array(FlowStepOut),
    expires_in_seconds: z.number().int().nullable(),
    on_expiry: OnExpiry,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('Flow');
export type Flow = z.infer<typeof Flow>;

export const FlowList = z.object({ data: z.array(Flow) }).openapi('FlowList', { description: 'Flows by name' });

/** One reviewer's decision on a request: who, on which step, what, when and why. */
export const ReviewerResult = z
  .object({
    reviewer: z.object({ type: z.enum(['user', 'connection']), id: z.uuid(), name: z.string().nullable() }),
    step_order: z.number().int().nullable().openapi({ description: 'The step voted on; null on a request without steps' }),
    result: z.enum(['approved', 'rejected']),
    comment: z.string().nullable(),
    decided_at: Timestamp,
    source: z.string().nullable().openapi({
      description:
        'Where the vote was cast: `slack` (a Slack button or modal), `email` (a decision link), or as the caller said through the API (which may not claim slack or email) ' +
        "(the dashboard sends `dashboard`, the CLI `cli`); `api` when it said nothing. Null for votes recorded before votes kept their source",
      example: 'slack',
    }),
    on_behalf_of: z
      .object({ id: z.uuid(), name: z.string().nullable() })
      .nullable()
      .optional()
      .openapi({ description: 'The person the reviewer stood in for (their delegate decided while they were away): "reviewer for on_behalf_of"; null otherwise' }),
  })
  .openapi('ReviewerResult');
export type ReviewerResult = z.infer<typeof ReviewerResult>;

export const RunStep = Step.extend({
  name: z.string().nullable(),
  time_limit_seconds: z.number().int().nullable(),
  approvals: z.number().int().openapi({ description: 'Approving votes so far' }),
  results: z.array(ReviewerResult).openapi({ description: 'Every vote on the step, oldest first' }),
}).openapi('RunStep');

export const Run = z
  .object({
    flow_id: z.uuid().nullable().openapi({ description: 'The flow it runs; null for steps configured on the request itself' }),
    flow_version: z.number().int().nullable(),
    status: ApprovalStatus,
    active_step: z.number().int().nullable().openapi({ description: 'The `step_order` of the lowest pending step while the request is pending; null once it is not' }),
    steps: z.array(RunStep),
  })
  .openapi('Run');
export type Run = z.infer<typeof Run>;

/** A request as `GET /approvals/:id` answers it: with its run and every reviewer's result. */
export const ApprovalDetail = Approval.extend({
  run: Run.nullable().openapi({ description: 'The steps and where they stand; null for a request without steps' }),
  results: z.array(ReviewerResult).openapi({ description: 'Every vote cast on the request, oldest first' }),
}).openapi('ApprovalDetail');
