import { z } from './zod.ts';
import { Timestamp } from './common.ts';
import { ADMIN_SESSION } from './authorization.ts';

/**
 * Durable engines: a request may name what resumes when it ends instead of (or beside) a raw
 * callback: a Trigger.dev waitpoint token, an AWS Step Functions task token or an Inngest event. The
 * outbox resumes it once, with the org's credentials for that engine (set by admins, sealed at rest).
 */
export const ENGINES = ['trigger.dev', 'step-functions', 'inngest'] as const;
export const Engine = z.enum(ENGINES).openapi('Engine');
export type Engine = z.infer<typeof Engine>;

/** Trigger.dev waitpoint ids: `waitpoint_` and an id of letters and digits. */
const WAITPOINT_ID = /^waitpoint_[A-Za-z0-9]{1,100}$/;
/** Inngest event names: what Inngest's dashboard and `step.waitForEvent` accept, without whitespace or control characters. */
const INNGEST_EVENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._/:-]{0,199}$/;

export const ResumeTarget = z
  .discriminatedUnion('engine', [
    z
      .strictObject({
        engine: z.literal('trigger.dev'),
        token: z.string().regex(WAITPOINT_ID, 'must be a Trigger.dev waitpoint token id (waitpoint_…) from wait.createToken()').openapi({
          description: 'The id of the waitpoint token the run waits on (`wait.createToken()` → `token.id`)',
          example: 'waitpoint_cm8v2z4xq0001',
        }),
      })
      .openapi('TriggerDevResume'),
    z
      .strictObject({
        engine: z.literal('step-functions'),
        // AWS documents task tokens as 1–2048 characters.
        task_token: z
          .string()
          .min(1)
          .max(2048)
          .regex(/^[\x21-\x7e]+$/, 'must be the task token from the state machine context ($$.Task.Token)')
          .openapi({ description: 'The task token of a `.waitForTaskToken` state (`$$.Task.Token`)' }),
      })
      .openapi('StepFunctionsResume'),
    z
      .strictObject({
        engine: z.literal('inngest'),
        event: z
          .string()
          .regex(INNGEST_EVENT_NAME, 'must be an Inngest event name: letters, digits and . _ / : - (at most 200)')
          .openapi({ description: 'The name of the event sent when the request ends (what `step.waitForEvent` waits for)', example: 'app/approval.decided' }),
        data: z
          .record(z.string(), z.unknown())
          .refine((d) => JSON.stringify(d).length <= 8192, { message: 'data is at most 8 KiB of JSON' })
          .optional()
          .openapi({
            description:
              'Extra fields of the event\'s `data`, e.g. a key your function knew before it asked, to match on. The decision\'s fields ' +
              '(`approval_id`, `status`, …) are added and win over these.',
            example: { order_id: 'ord_4821' },
          }),
      })
      .openapi('InngestResume'),
  ])
  .openapi('ResumeTarget', {
    description:
      'What resumes when the request ends (approved, rejected, expired or cancelled), once, through the outbox (retried, held by ' +
      'the emergency stop, in the delivery log): a Trigger.dev waitpoint token (completed with the decision as its output), an AWS ' +
      'Step Functions task token (`SendTaskSuccess` when approved, `SendTaskFailure` otherwise) or an Inngest event. The organization ' +
      'must have that engine\'s credentials (`PUT /api/v1/org/engines`). docs/durable-engines.md',
  });
export type ResumeTarget = z.infer<typeof ResumeTarget>;

/** How a request ended, as a resumed engine receives it. */
export const ENGINE_OUTCOMES = ['approved', 'rejected', 'expired', 'cancelled'] as const;

export const EngineDecision = z
  .object({
    approval_id: z.uuid(),
    status: z.enum(ENGINE_OUTCOMES).openapi({ description: 'How the request ended (a revoked approval is `rejected`, with `revoked: true`)' }),
    approved: z.boolean().openapi({ description: 'True only for `approved`: the one value to branch on' }),
    revoked: z.boolean(),
    decided_by: z.string().nullable().openapi({ description: 'Who decided or cancelled it; null when Greenlight did (an expiry)' }),
    comment: z.string().nullable(),
    ended_at: Timestamp.nullable(),
    approved_content_sha256: z.string().nullable().openapi({ description: 'The digest of what was approved (see `approved_content_sha256` of decision events); null unless approved' }),
    url: z.string().openapi({ description: 'The request in the dashboard' }),
  })
  .openapi('EngineDecision', {
    description:
      "What an engine is resumed with: a Trigger.dev token's output, a Step Functions task's output (approved) or failure cause, " +
      "an Inngest event's `data` (with the target's own `data` fields).",
  });
export type EngineDecision = z.infer<typeof EngineDecision>;

/** The Step Functions error names of a request that did not end approved (`SendTaskFailure`'s `error`). */
export const STEP_FUNCTIONS_ERRORS = { rejected: 'Greenlight.Rejected', expired: 'Greenlight.Expired', cancelled: 'Greenlight.Cancelled' } as const;

/** The name of Inngest's dedupe `id` of the event for a request: Inngest drops a second event with the same id (24 h). */
export const inngestEventId = (approvalId: string): string => `greenlight-${approvalId}`;

const Secret = z.object({ configured: z.boolean() });

export const EngineSettings = z
  .object({
    trigger_dev: z.object({ configured: z.boolean(), secret_key: Secret }).openapi({ description: 'The project secret key (`tr_prod_…`) is never shown' }),
    step_functions: z
      .object({
        configured: z.boolean(),
        region: z.string().nullable(),
        access_key_id: z.string().nullable().openapi({ description: 'The access key id (not a secret; shown to tell keys apart)' }),
        secret_access_key: Secret,
      })
      .openapi({ description: 'The credentials of an IAM user or role allowed `states:SendTaskSuccess` and `states:SendTaskFailure`' }),
    inngest: z.object({ configured: z.boolean(), event_key: Secret }).openapi({ description: 'The event key is never shown' }),
    updated_at: Timestamp.nullable(),
  })
  .openapi('EngineSettings');
export type EngineSettings = z.infer<typeof EngineSettings>;

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$/;

export const UpdateEngineSettingsBody = z
  .strictObject({
    trigger_dev: z
      .strictObject({
        secret_key: z
          .string()
          .regex(/^tr_[a-z]+_[A-Za-z0-9]{8,200}$/, 'must be a Trigger.dev secret API key (tr_prod_…, tr_dev_…)')
          .openapi({ description: "The project environment's secret API key. Stored encrypted, never shown again." }),
      })
      .nullable()
      .optional()
      .openapi({ description: 'Set (object) or remove (null) the Trigger.dev key; absent: unchanged' }),
    step_functions: z
      .strictObject({
        region: z.string().regex(AWS_REGION, 'must be an AWS region such as eu-west-1'),
        access_key_id: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be an AWS access key id (AKIA…)'),
        secret_access_key: z
          .string()
          .min(16)
          .max(128)
          .regex(/^[\x21-\x7e]+$/, 'must be an AWS secret access key')
          .openapi({ description: 'Stored encrypted, never shown again.' }),
      })
      .nullable()
      .optional()
      .openapi({ description: 'Set (object) or remove (null) the AWS credentials; absent: unchanged' }),
    inngest: z
      .strictObject({
        event_key: z
          .string()
          .regex(/^[A-Za-z0-9_-]{8,200}$/, 'must be an Inngest event key')
          .openapi({ description: 'An event key of the Inngest environment. Stored encrypted, never shown again.' }),
      })
      .nullable()
      .optional()
      .openapi({ description: 'Set (object) or remove (null) the Inngest event key; absent: unchanged' }),
  })
  .openapi('UpdateEngineSettingsBody');
export type UpdateEngineSettingsBody = z.infer<typeof UpdateEngineSettingsBody>;


/** The routes of the engine credentials, spread into the one route table (routes.ts). */
export const engineRoutes = {
  getEngineSettings: {
    operationId: 'getEngineSettings' as const,
    method: 'get' as const,
    path: '/api/v1/org/engines' as const,
    tag: 'Organization',
    summary: "The organization's durable-engine credentials",
    description: 'Admins only (dashboard session). Which engines a request may name as its `resume` target; never a secret.',
    authorization: ADMIN_SESSION,
    request: {},
    responses: { 200: { description: 'The engine settings', schema: EngineSettings } },
    errors: [403],
  },
  updateEngineSettings: {
    operationId: 'updateEngineSettings' as const,
    method: 'put' as const,
    path: '/api/v1/org/engines' as const,
    tag: 'Organization',
    summary: 'Set or remove durable-engine credentials',
    description:
      'Admins only (dashboard session). Each engine given is replaced (an object) or removed (null); the secrets are stored encrypted ' +
      'and never shown again. A removed engine\'s resumes not yet sent fail. Recorded in the audit log.',
    authorization: ADMIN_SESSION,
    request: { body: UpdateEngineSettingsBody },
    responses: { 200: { description: 'The engine settings', schema: EngineSettings } },
    errors: [400, 403],
  },
};
