import { z } from './zod.ts';
import { valueAtContentPath } from './content-path.ts';
import { Answer, answersOnlyWithApproval, Edit, EditablePaths, Edits, ResponseSchema } from './answers.ts';
import { ReminderPolicy } from './reminders.ts';
import { BooleanQuery, Pagination, PageQuery, PageSizeQuery, Principal, Timestamp, TimestampInput } from './common.ts';
import type { DialectId } from './dialect-ids.ts';
import { ResumeTarget } from './engines.ts';

export const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export const Priority = z.enum(PRIORITIES).openapi('Priority');
export type Priority = z.infer<typeof Priority>;

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'cancelled', 'expired'] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES).openapi('ApprovalStatus');
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const Decision = z.enum(['approve', 'reject']).openapi('Decision');
export type Decision = z.infer<typeof Decision>;

export const ON_EXPIRY = ['expire', 'approve', 'reject'] as const;
export const OnExpiry = z.enum(ON_EXPIRY).openapi('OnExpiry', {
  description:
    'What happens to a request still pending at `expires_at`: `expire` (status `expired`, event `approval.expired`), or an automatic ' +
    '`approve` / `reject` recorded as decided by the system (`decided_by` null, event `approval.approved` / `approval.rejected` ' +
    'with the system actor and `reason: "expired"`), delivered like any other decision.',
});
export type OnExpiry = z.infer<typeof OnExpiry>;

export const ContentSha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .openapi({
    description:
      'SHA-256 (hex) of the RFC 8785 (JCS) canonical JSON of `{title, description, metadata, changes}` exactly as stored and shown ' +
      'to approvers (`changes` is null when none were given), with the approving reviewer\'s `edits` applied once approved (the content of ' +
      '`approved_content`). Every decision event carries it as `approved_content_sha256`, so an automation can check that what it is ' +
      'about to execute is what was approved.',
    example: '3f0a1c9e5b2d4f6a8c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a',
  });

/** Limits that keep one request from exhausting the server (OWASP API4). */
export const LIMITS = {
  titleMax: 500,
  descriptionMax: 20_000,
  labelMax: 200,
  keyMax: 255,
  callbackUrlMax: 2048,
  callbackHeadersMax: 20,
  tagsMax: 20,
  requiredApprovalsMax: 20,
  stepsMax: 20,
  stepApproversMax: 50,
  commentMax: 10_000,
  /** The longest revoke window: a day. Past that an approval that can still be taken back is not an answer. */
  revocableForSecondsMax: 86_400,
  redactMax: 50,
  redactPathMax: 200,
} as const;

/** What a reviewer without the `see_sensitive` permission sees in place of each field marked sensitive. */
export const REDACTED_VALUE = '[redacted]';

/** A path into the request's `metadata` or `changes.before` / `changes.after`, one key (or array index) per dot-separated segment. */
const REDACT_PATH = /^(metadata|changes\.(before|after))(\.[^.]+)+$/;

/** The value a redact path names in a create body, or undefined when it names nothing. */
export function valueAtPath(body: { metadata?: unknown; payload?: unknown; changes?: unknown }, path: string): unknown {
  return valueAtContentPath({ metadata: body.metadata ?? body.payload, changes: body.changes }, path);
}

export const RedactPaths = z
  .array(z.string().max(LIMITS.redactPathMax).regex(REDACT_PATH, 'redact paths start with metadata., changes.before. or changes.after. and name a field'))
  .max(LIMITS.redactMax)
  .openapi({
    description:
      `Fields of \`metadata\` and \`changes\` that only people with the \`see_sensitive\` permission (and admins, and the requester) see: ` +
      `paths such as \`metadata.ssn\`, \`metadata.customer.iban\`, \`changes.after.card\` (a dot between keys; a number indexes an array). ` +
      `Every path must name a field of this request. Others see the value replaced by \`"${REDACTED_VALUE}"\`, in every answer of the API, ` +
      `the event stream and subscription deliveries; the \`callback_url\` delivery carries the full request, and \`approved_content_sha256\` ` +
      `is computed over the full content. At most ${LIMITS.redactMax} paths of at most ${LIMITS.redactPathMax} characters.`,
    example: ['metadata.ssn', 'changes.after.card'],
  });


// RFC 9110 §5.6.2 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * RFC 9110 §5.5 field-value characters: VCHAR, SP, HTAB and obs-text (%x80–FF, sent by Node as one
 * Latin-1 byte each). Anything else (an emoji, DEL, a control character) makes Node refuse to send
 * the header (ERR_INVALID_CHAR), so every delivery of the callback would fail.
 */
const FIELD_VALUE_CHARS = /^[\t\x20-\x7e\x80-\xff]*$/;
/**
 * Headers Greenlight sets itself on a callback; a requester may not override them
 * (Standard Webhooks signature headers, framing headers, credentials of the receiver's own).
 */
export const RESERVED_CALLBACK_HEADER = /^(webhook-.*|host|content-type|content-length|transfer-encoding|connection|authorization|user-agent)$/i;

export const CallbackHeaders = z
  .record(z.string(), z.string().max(4096))
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > LIMITS.callbackHeadersMax) {
      ctx.addIssue({ code: 'custom', message: `at most ${LIMITS.callbackHeadersMax} callback headers are allowed` });
    }
    for (const name of names) {
      const value = headers[name] ?? '';
      if (!HEADER_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a valid HTTP header name` });
      } else if (RESERVED_CALLBACK_HEADER.test(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is set by Greenlight and cannot be overridden` });
      }
      if (/[\r\n\0]/.test(value)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'header values cannot contain CR, LF or NUL' });
      } else if (!FIELD_VALUE_CHARS.test(value)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'header values must be RFC 9110 field values: visible ASCII, space, tab or obs-text (U+0080–U+00FF)',
        });
      } else if (/^[ \t]|[ \t]$/.test(value)) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'header values cannot start or end with a space or tab' });
      }
    }
  })
  .openapi({
    description:
      'Extra headers sent with the callback. `webhook-*`, `Host`, `Content-Type`, `Content-Length` and `Authorization` are reserved. ' +
      'Names are RFC 9110 tokens; values RFC 9110 field values (visible ASCII, space, tab, U+0080–U+00FF; no leading or trailing whitespace).',
    example: { 'X-Custom-Token': 'your-secret' },
  });

export const CallbackUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
  .max(LIMITS.callbackUrlMax)
  .openapi({ description: 'URL to POST the decision to', example: 'https://your-app.com/webhooks/greenlight' });

const TAG_KEY = /^[A-Za-z0-9_.\-/]{1,64}$/;
export const Tags = z
  .record(z.string().regex(TAG_KEY, 'tag keys are 1–64 letters, digits or _ . - /'), z.string().max(256))
  .refine((t) => Object.keys(t).length <= LIMITS.tagsMax, { message: `at most ${LIMITS.tagsMax} tags are allowed` })
  .openapi('Tags', { description: 'Key/value labels, filterable with `tags=key:value`', example: { env: 'production', team: 'platform' } });

export const Changes = z
  .object({
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
  })
  .strict()
  .openapi('Changes', {
    description: 'The object before and after the action, shown to approvers as a diff',
    example: { before: { plan: 'pro' }, after: { plan: null } },
  });

export const Resource = z
  .object({
    type: z.string().min(1).max(LIMITS.labelMax),
    id: z.string().min(1).max(LIMITS.keyMax),
    name: z.string().max(LIMITS.labelMax).optional(),
  })
  .strict()
  .openapi('Resource', { description: 'The entity the action touches', example: { type: 'user', id: '4821', name: 'Jane Doe' } });

const Metadata = z
  .record(z.string(), z.unknown())
  .openapi({ description: 'Arbitrary JSON object passed through to the callback', example: { user_id: '4821', ticket_id: 'SUP-1234' } });

/** The actions of an entity-change request: `action_type` spelled as the entity-change APIs spell it. */
export const ENTITY_ACTIONS = ['create', 'update', 'delete'] as const;
export const EntityAction = z.enum(ENTITY_ACTIONS).openapi('EntityAction');
export type EntityAction = z.infer<typeof EntityAction>;

/**
 * Pairs of fields that are two spellings of one stored value: the first of each is Greenlight's, the
 * second the peer APIs'. A request may use either spelling, never both.
 */
export const CREATE_ALIASES = [
  ['metadata', 'payload'],
  ['action_type', 'action'],
] as const;
const ENTITY_FIELDS = ['entity_type', 'entity_id', 'entity_name'] as const;
/**
 * Request fields that only respell another field (`metadata`, `action_type`, `resource`, `comment`):
 * accepted from clients written for the peer APIs; Greenlight's own clients send the other spelling.
 */
export const ALTERNATE_SPELLINGS = ['payload', 'action', ...ENTITY_FIELDS, 'decision_note'] as const;

export const CreateApprovalBody = z
  .strictObject({
    title: z.string().trim().min(1).max(LIMITS.titleMax).openapi({ description: 'Short description of what needs approval', example: 'Delete user account #4821' }),
    description: z.string().max(LIMITS.descriptionMax).openapi({ description: 'Detailed context for the approver (markdown)', example: 'Permanent deletion requested by user via support ticket' }),
    priority: Priority,
    callback_url: CallbackUrl.optional().openapi({
      description:
        'URL to POST the decision to, signed with the organization\'s callback secret. Many requests may name one receiver, and anyone ' +
        'in the organization can name yours: the receiver must check that the delivery\'s `data.approval_id` is the request it waits for ' +
        '(docs/getting-the-decision-back.md). Shown afterwards only to you and to admins.',
      example: 'https://your-app.com/webhooks/greenlight',
    }),
    callback_headers: CallbackHeaders.optional(),
    resume: ResumeTarget.optional(),
    action_type: z.string().min(1).max(LIMITS.labelMax).optional().openapi({ description: 'Custom label for filtering and routing', example: 'user.delete' }),
    metadata: Metadata.optional(),
    expires_at: TimestampInput.optional().openapi({ description: 'Auto-expires if no decision by this time; must be in the future' }),
    on_expiry: OnExpiry.default('expire'),
    revocable_for_seconds: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.revocableForSecondsMax)
      .optional()
      .openapi({
        description:
          'Revoke window, in seconds from the approval (at most 24 h): an approver who approved, or an admin, may rescind the approval ' +
          'until then, as long as no execution was reported. A revoked request becomes `rejected` (see `revoked_at`).',
        example: 300,
      }),
    required_approvals: z.number().int().min(1).max(LIMITS.requiredApprovalsMax).default(1).openapi({ description: 'Number of distinct approvers needed' }),
    is_sequential: z.boolean().default(false).openapi({ description: 'If true, steps must be approved in order' }),
    source: z.string().min(1).max(LIMITS.labelMax).optional().openapi({ description: 'Name of the integration, for filtering and analytics', example: 'support-bot' }),
    idempotency_key: z.string().min(1).max(LIMITS.keyMax).optional().openapi({ description: 'Prevents duplicate requests within your organization', example: 'del-user-4821-20260324' }),
    external_id: z.string().min(1).max(LIMITS.keyMax).optional().openapi({ description: 'Your own reference, unique within your organization', example: 'SUP-1234' }),
    tags: Tags.optional(),
    changes: Changes.optional(),
    resource: Resource.optional(),
    flow_id: z.uuid().optional().openapi({
      description:
        "Starts a run of this approval flow (its current version): its steps, in order, and, unless `expires_at` is given, its expiry and `on_expiry`. " +
        '`required_approvals` and `is_sequential` then come from the flow.',
    }),
    payload: Metadata.optional().openapi({ description: 'Another name for `metadata` (send one of the two)' }),
    action: EntityAction.optional().openapi({ description: 'Another name for `action_type`, for entity-change requests (send one of the two)' }),
    entity_type: z.string().min(1).max(LIMITS.labelMax).optional().openapi({ description: 'With `entity_id` (and optionally `entity_name`): another way to give `resource.type`', example: 'qualificationRule' }),
    entity_id: z.string().min(1).max(LIMITS.keyMax).optional().openapi({ description: 'Another way to give `resource.id`', example: 'qr_001' }),
    entity_name: z.string().max(LIMITS.labelMax).optional().openapi({ description: 'Another way to give `resource.name`', example: 'Credit Score Rule' }),
    redact: RedactPaths.optional(),
    response_schema: ResponseSchema.optional(),
    editable: EditablePaths.optional(),
  })
  .superRefine((body, ctx) => {
    const editable = new Set<string>();
    body.editable?.forEach((path, i) => {
      if (editable.has(path)) ctx.addIssue({ code: 'custom', path: ['editable', i], message: `${path} is listed twice` });
      else if (valueAtPath(body, path) === undefined) ctx.addIssue({ code: 'custom', path: ['editable', i], message: `${path} names no field of this request` });
      else if (body.redact?.some((r) => r === path || path.startsWith(`${r}.`) || r.startsWith(`${path}.`))) {
        ctx.addIssue({ code: 'custom', path: ['editable', i], message: `${path} is marked sensitive in redact: a sensitive field cannot be editable` });
      }
      editable.add(path);
    });
    const seen = new Set<string>();
    body.redact?.forEach((path, i) => {
      if (seen.has(path)) ctx.addIssue({ code: 'custom', path: ['redact', i], message: `${path} is listed twice` });
      else if (valueAtPath(body, path) === undefined) ctx.addIssue({ code: 'custom', path: ['redact', i], message: `${path} names no field of this request` });
      seen.add(path);
    });
    for (const [ours, theirs] of CREATE_ALIASES) {
      if (body[ours] !== undefined && body[theirs] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [theirs], message: `${theirs} is another name for ${ours}: send one of the two` });
      }
    }
    const entity = ENTITY_FIELDS.filter((f) => body[f] !== undefined);
    if (entity.length > 0 && body.resource !== undefined) {
      ctx.addIssue({ code: 'custom', path: [entity[0]!], message: `${entity.join(', ')} and resource name the same entity: send one or the other` });
    } else if (entity.length > 0 && (body.entity_type === undefined || body.entity_id === undefined)) {
      ctx.addIssue({ code: 'custom', path: [body.entity_type === undefined ? 'entity_type' : 'entity_id'], message: 'entity_type and entity_id go together' });
    }
  })
  .openapi('CreateApprovalRequest');
export type CreateApprovalBody = z.infer<typeof CreateApprovalBody>;

/**
 * Execution receipts: after an approval the automation says what it did with it. `started` may be
 * followed by `succeeded` or `failed`; those two are final. Reported by the request's requester (or
 * an admin), only on an approved request.
 */
export const EXECUTION_STATUSES = ['started', 'succeeded', 'failed'] as const;
export const ExecutionStatus = z.enum(EXECUTION_STATUSES).openapi('ExecutionStatus');
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

export const Execution = z
  .object({
    status: ExecutionStatus,
    message: z.string().nullable().openapi({ description: 'What the automation said about it' }),
    url: z.string().nullable().openapi({ description: 'Where to see the result (a run, a log, a ticket)' }),
    reported_at: Timestamp,
  })
  .openapi('Execution', { description: 'The latest execution receipt; every report is also an `approval.execution_reported` event' });
export type Execution = z.infer<typeof Execution>;

export const ReportExecutionBody = z
  .strictObject({
    status: ExecutionStatus,
    message: z.string().max(LIMITS.commentMax).optional().openapi({ example: 'Deployed v2.3.1 to production' }),
    url: z
      .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
      .max(LIMITS.callbackUrlMax)
      .optional()
      .openapi({ example: 'https://ci.example.com/runs/4521' }),
  })
  .openapi('ReportExecutionRequest');
export type ReportExecutionBody = z.infer<typeof ReportExecutionBody>;

/** Which rule routed a request, as it was when it did. */
export const Routing = z
  .object({
    rule_id: z.uuid(),
    rule_name: z.string(),
    version: z.number().int().openapi({ description: 'The version of the rule set' }),
    slack_channel: z.string().nullable().openapi({ description: "The rule's Slack channel, where notifications of the request are posted" }),
    reminders: ReminderPolicy.nullable().openapi({ description: "The rule's reminders and escalation, for steps whose flow sets none" }),
  })
  .openapi('Routing');
export type Routing = z.infer<typeof Routing>;
/**
 * Revoking: an approval rescinded inside its window. The status becomes `rejected`, one of the
 * statuses every integration already branches on, so a Zap, workflow or scenario that waits for
 * `approved` never goes ahead on a rescinded approval; `revoked_at` tells a revocation from a rejection.
 */
export const RevokeApprovalBody = z
  .strictObject({
    reason: z.string().max(LIMITS.commentMax).optional().openapi({ example: 'Wrong customer: do not delete' }),
  })
  .openapi('RevokeApprovalRequest');
export type RevokeApprovalBody = z.infer<typeof RevokeApprovalBody>;

/**
 * Dead-waiter detection: whether anyone still waits for a request's answer at its `callback_url`.
 * While the request is pending its callback target is probed with `HEAD` (a safe method: it never
 * resumes a waiting workflow); 404 or 410 means gone at once, no answer at all (refused, DNS, timeout)
 * for longer than the server's threshold means gone too, and any other answer means someone is there.
 */
export const WAITER_STATES = ['unknown', 'present', 'gone'] as const;
export const WaiterState = z.enum(WAITER_STATES).openapi('WaiterState');
export type WaiterState = z.infer<typeof WaiterState>;

export const Waiter = z
  .object({
    state: WaiterState.openapi({ description: '`unknown` until the first probe, `present` when the target answered, `gone` when nobody waits for the answer' }),
    reason: z
      .string()
      .nullable()
      .openapi({
        description: 'In plain words: why the waiter is taken for gone, what its target last answered, or why it cannot be told (`unknown`)',
        example: 'the callback target answered 410 Gone',
      }),
    since: Timestamp.nullable().openapi({ description: 'Since when the state holds (for an unreachable target: since it stopped answering)' }),
    checked_at: Timestamp.nullable().openapi({ description: 'When the target was last probed' }),
  })
  .openapi('Waiter', {
    description:
      'Who waits for the answer: at `callback_url`, or by long poll (`/wait`) for a request without a callback (null until someone ' +
      'waited so). A pending request whose waiter is `gone` ' +
      'can be cancelled (`DELETE /api/v1/approvals/:id`); its requester was told (`approval.waiter_gone`, and email).',
  });
export type Waiter = z.infer<typeof Waiter>;

/**
 * Which API a request was created through: `v1` (Greenlight's own, and everything built on it: the
 * dashboard, the SDKs, MCP, the platform apps), a dialect that creates requests (dialects.ts), or a GitHub App's deployment protection rule.
 */
export const CREATED_VIA = ['v1', 'human-approval', 'kaireon', 'github'] as const satisfies readonly ('v1' | 'github' | DialectId)[];
export const CreatedVia = z.enum(CREATED_VIA).openapi('CreatedVia', {
  description:
    'The API the request was created through: `v1` (this API, and the dashboard, SDKs, MCP and platform apps built on it), ' +
    '`human-approval` or `kaireon` (the peer APIs Greenlight also serves: docs/compatibility.md), `github` (a deployment protection rule of the org\'s GitHub App: docs/github.md). ' +
    'Such a request is an ordinary request everywhere.',
});
export type CreatedVia = z.infer<typeof CreatedVia>;

/** One thing a viewer may or may not do with a request, with the reason in plain words when not. */
export const ViewerPermission = z
  .object({
    allowed: z.boolean(),
    reason: z.string().optional().openapi({ description: 'Why not, in plain words (e.g. "Waiting for team Oncall", "You requested this", "Already approved"); absent when allowed' }),
  })
  .openapi('ViewerPermission');
export type ViewerPermission = z.infer<typeof ViewerPermission>;

export const ViewerCan = z
  .object({
    decide: ViewerPermission.extend({
      steps: z.array(z.uuid()).openapi({ description: 'The steps the viewer may vote on now (`PATCH /api/v1/approvals/{id}/steps/{stepId}`); empty for a request without steps' }),
      approve: ViewerPermission.openapi({ description: 'Whether the decision may be an approval: a requester may reject (withdraw) but never approve' }),
      reason_code: z.enum(['step_up_required']).optional().openapi({
        description:
          'The refusal as `error.details.reason` names it, when a client can do something about it: `step_up_required` (the decision ' +
          'needs a passkey confirmation of this dashboard session first, `POST /api/v1/me/step-up`; show "Confirm with your passkey" instead of the buttons). Absent otherwise',
      }),
    }).openapi({ description: 'Approve or reject (`PATCH /api/v1/approvals/{id}`); the refusal then has this reason as `error.details.text`' }),
    cancel: ViewerPermission,
    revoke: ViewerPermission.openapi({ description: 'Rescind an approval: an approver whose approving vote is on it, or an admin, within the revoke window' }),
    reassign: ViewerPermission.openapi({ description: "Reassign a pending step (the requester or an admin)" }),
    comment: ViewerPermission,
    grant: ViewerPermission.openapi({
      description:
        'Give a standing grant with this approval (`grant` on `PATCH /api/v1/approvals/{id}`): a person who may approve it, on a request a ' +
        'connection asked that is not theirs, not of a class that never goes without a person, whose one approval decides it. ' +
        'The same check refuses a grant given anyway (core/approvals/grant-permission.ts)',
    }),
  })
  .openapi('ViewerCan', {
    description:
      'What the caller may do with this request now, computed by the server from the same rules that enforce it ' +
      "(storage/functions/greenlight_rules.sql, greenlight_viewer_can): show only what is allowed, and the reason otherwise.",
  });
export type ViewerCan = z.infer<typeof ViewerCan>;

/** Who or what made a request's final decision. */
export const DECIDED_BY_TYPES = ['user', 'connection', 'policy', 'grant', 'system'] as const;
export const DecidedByType = z.enum(DECIDED_BY_TYPES).openapi('DecidedByType', {
  description:
    'Who made the final decision: a person (`user`), an automation with an API key (`connection`), a policy of the organization ' +
    "(`policy`: `decided_by_policy` names it), a person's standing grant (`grant`: `decided_by_grant` names it and its giver), " +
    'or Greenlight itself (`system`: `on_expiry` approve / reject).',
});

export const DecidedByPolicy = z
  .object({
    id: z.string().openapi({ description: 'The `@id` of the policy that decided', example: 'low-risk-reads' }),
    version: z.number().int().min(1).openapi({ description: 'The version of the policy set it was part of' }),
    reason: z.string().nullable().openapi({ description: 'Its `@reason`' }),
  })
  .openapi('DecidedByPolicy', { description: 'The policy that decided a request, when one did (`decided_by` is then null)' });
export type DecidedByPolicy = z.infer<typeof DecidedByPolicy>;

export const DecidedByGrant = z
  .object({
    id: z.uuid().openapi({ description: 'The grant (`GET /api/v1/grants`)' }),
    given_by: z.object({ id: z.uuid(), name: z.string() }).openapi({ description: 'The person who gave it, with the name Greenlight shows for them' }),
    use: z.number().int().min(1).openapi({ description: 'This request was its use number `use`' }),
    max_uses: z.number().int().min(1).nullable().openapi({ description: 'How many uses it allows; null: any number until `expires_at`' }),
    expires_at: Timestamp.openapi({ description: 'Until when it decides' }),
  })
  .openapi('DecidedByGrant', {
    description:
      "The standing grant that approved a request, when one did (`decided_by` is then null), as it was at that decision: " +
      '"by Ann\'s grant (12 of 20 used, until 15:00)" is `given_by.name`, `use`, `max_uses` and `expires_at`.',
  });
export type DecidedByGrant = z.infer<typeof DecidedByGrant>;

/** Bounds of a standing grant given with an approval. */
export const GRANT_LIMITS = {
  expiresInSecondsDefault: 3600,
  expiresInSecondsMax: 30 * 86_400,
  maxUsesMax: 10_000,
  fieldsMax: 10,
} as const;

/**
 * The durations a person picks from where a grant is offered as one choice (Slack's button, the email
 * decision page, the dashboard, the command line's `--for`): each a valid `expires_in_seconds`.
 */
export const GRANT_DURATIONS = { '1h': 3600, '1d': 86_400, '1w': 7 * 86_400 } as const satisfies Record<string, number>;
export type GrantDuration = keyof typeof GRANT_DURATIONS;
export const GRANT_DURATION_LABELS: Record<GrantDuration, string> = { '1h': 'the next hour', '1d': 'the next day', '1w': 'the next week' };

/**
 * The fields of a request a grant may pin, besides its action type: `source`, `priority`, `title`, `resource.type`,
 * `resource.id`, a tag (`tags.<key>`) or a top-level metadata key (`metadata.<key>`).
 */
export const GRANT_FIELD_PATTERN = /^(source|priority|title|resource\.type|resource\.id|tags\.[^.\s]{1,100}|metadata\.[^.\s]{1,100})$/;

export const GiveGrant = z
  .strictObject({
    action_type: z
      .string()
      .min(1)
      .max(LIMITS.labelMax)
      .optional()
      .openapi({ description: "A glob over `action_type` (`deploy.*`); default: this request's `action_type` exactly (a request without one needs it given)", example: 'deploy.staging' }),
    agent_session: z
      .boolean()
      .default(false)
      .openapi({ description: "Only requests of this request's agent session (`metadata.session_id` or `metadata.run_id`): \"this agent session\" / \"this run\"" }),
    fields: z
      .record(z.string().min(1).max(LIMITS.labelMax), z.string().min(1).max(LIMITS.labelMax))
      .superRefine((f, ctx) => {
        const keys = Object.keys(f);
        if (keys.length > GRANT_LIMITS.fieldsMax) ctx.addIssue({ code: 'custom', message: `at most ${GRANT_LIMITS.fieldsMax} fields` });
        for (const k of keys) {
          if (!GRANT_FIELD_PATTERN.test(k)) {
            ctx.addIssue({ code: 'custom', path: [k], message: `"${k}": a field is source, priority, title, resource.type, resource.id, tags.<key> or metadata.<key>` });
          }
        }
      })
      .optional()
      .openapi({
        description:
          'Fields a later request must match, each an exact value or a glob (`*` any run of characters): `{"tags.env": "staging", "resource.id": "inv-*"}`. ' +
          'A metadata value that is not a string is matched as its JSON text.',
      }),
    expires_in_seconds: z
      .number()
      .int()
      .min(60)
      .max(GRANT_LIMITS.expiresInSecondsMax)
      .default(GRANT_LIMITS.expiresInSecondsDefault)
      .openapi({ description: `How long it decides, from now (default an hour, at most 30 days)` }),
    max_uses: z
      .number()
      .int()
      .min(1)
      .max(GRANT_LIMITS.maxUsesMax)
      .optional()
      .openapi({ description: 'How many requests it may approve at most ("the next N times"); absent: any number until it expires' }),
  })
  .openapi('GiveGrant', {
    description:
      '"And the same for the next hour / N times / this agent session": a standing grant given with this approval, created in the same ' +
      'transaction. It approves later requests of the same connection (API key or OAuth grant) that match its action type and fields, ' +
      'each counted, until it expires, is used up or is revoked; never the giver\'s own requests, never a class of `never_without_person`, ' +
      'never a request the giver could not approve alone. Only with `decision: "approve"`, and only by a person.',
  });
export type GiveGrant = z.infer<typeof GiveGrant>;

export const Approval = z
  .object({
    id: z.uuid(),
    org_id: z.uuid(),
    connection_id: z.uuid().nullable(),
    title: z.string(),
    description: z.string(),
    status: ApprovalStatus,
    priority: Priority,
    action_type: z.string().nullable(),
    source: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    required_approvals: z.number().int().openapi({ description: 'Approvals needed; for a request with steps, the number of steps' }),
    current_approvals: z.number().int().openapi({ description: 'Approvals so far; for a request with steps, the steps approved' }),
    is_sequential: z.boolean(),
    callback_url: z.string().nullable().openapi({
      description:
        'Where the decision is POSTed. A capability (whoever holds a resume URL can try to resume what waits there), so only the ' +
        'principal that created the request and admins see it; everyone else sees null here and `has_callback`. The callback ' +
        'delivery itself carries it in full.',
    }),
    // Optional for clients, which also talk to servers of the spec's shape; Greenlight always sends it.
    has_callback: z.boolean().optional().openapi({ description: 'Whether the request has a `callback_url`, shown or not' }),
    external_id: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    changes: Changes.nullable(),
    resource: Resource.nullable(),
    // These respellings are optional for clients, which also talk to servers of the spec's shape; Greenlight always sends them.
    entity_type: z.string().nullable().optional().openapi({ description: '`resource.type`, spelled as entity-change APIs spell it' }),
    entity_id: z.string().nullable().optional().openapi({ description: '`resource.id`' }),
    entity_name: z.string().nullable().optional().openapi({ description: '`resource.name`' }),
    action: EntityAction.nullable().optional().openapi({ description: '`action_type` when it is create, update or delete; null otherwise' }),
    requested_by: Principal,
    comments_count: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp.nullable(),
    on_expiry: OnExpiry,
    decided_at: Timestamp.nullable(),
    decided_by: z.uuid().nullable(),
    decided_by_id: z.uuid().nullable().optional().openapi({ description: 'Another name for `decided_by`' }),
    // Optional for clients, which also talk to servers of the spec's shape; Greenlight always sends them.
    decided_by_type: DecidedByType.nullable().optional().openapi({ description: 'Who made the final decision; null while none is made' }),
    decided_by_policy: DecidedByPolicy.nullable().optional(),
    decided_by_grant: DecidedByGrant.nullable().optional(),
    decision_comment: z.string().nullable(),
    decision_note: z.string().nullable().optional().openapi({ description: 'Another name for `decision_comment`' }),
    cancelled_at: Timestamp.nullable(),
    expired_at: Timestamp.nullable().openapi({
      description:
        'When the request expired with nobody deciding (`on_expiry: expire`); null otherwise. With `decided_at` and `cancelled_at`, the moment any request left `pending`.',
    }),
    approved_content_sha256: ContentSha256,
    execution: Execution.nullable().openapi({ description: 'The latest execution receipt of an approved request; null until one is reported' }),
    // Optional for clients, which also talk to servers of the spec's shape; Greenlight always sends them.
    revocable_until: Timestamp.nullable().optional().openapi({
      description: 'Until when an approval may be revoked (`revocable_for_seconds` after it); null without a window or before an approval',
    }),
    revoked_at: Timestamp.nullable().optional().openapi({ description: 'When the approval was revoked (the status is then `rejected`); null otherwise' }),
    revoked_by: Principal.nullable().optional().openapi({ description: 'Who revoked it' }),
    revocation_reason: z.string().nullable().optional(),
    // Optional for clients, which also talk to servers of the spec's shape; Greenlight always sends them.
    redact: z.array(z.string()).optional().openapi({ description: 'The paths the requester marked sensitive (see `redact` on create)' }),
    redacted: z
      .boolean()
      .optional()
      .openapi({ description: `True when this answer shows the sensitive fields as "${REDACTED_VALUE}" (the caller lacks the \`see_sensitive\` permission)` }),
    flow_id: z.uuid().nullable().optional().openapi({ description: 'The approval flow whose run this request is; null otherwise' }),
    flow_version: z.number().int().nullable().optional().openapi({ description: 'The version of the flow the run started with' }),
    routing: Routing.nullable().optional().openapi({ description: 'The routing rule that chose who decides this request; null when none did, or when the requester then named its own steps' }),
    // Optional for clients, which also talk to servers of the spec's shape; Greenlight always sends it.
    waiter: Waiter.nullable().optional(),
    // Optional for clients, which also talk to servers of the spec's shape; Greenlight always sends it.
    created_via: CreatedVia.optional(),
    // Optional for clients, which also talk to servers of the spec's shape; Greenlight always sends them.
    response_schema: ResponseSchema.nullable().optional().openapi({ description: 'What the reviewer is asked to answer when approving; null when nothing is asked' }),
    editable: z.array(z.string()).optional().openapi({ description: 'The fields of this request the reviewer may change before approving (see `editable` on create)' }),
    response: Answer.nullable().optional().openapi({
      description: "The reviewer's answer to `response_schema`, validated, defaults filled in: set when the request is approved, null otherwise",
    }),
    edits: z.array(Edit).optional().openapi({ description: 'The fields the approving reviewer changed, each with its value before and after; empty when none' }),
    approved_content: z
      .object({ metadata: z.record(z.string(), z.unknown()), changes: Changes.nullable() })
      .nullable()
      .optional()
      .openapi({
        description:
          'What was approved: `metadata` and `changes` with the edits applied (the same as requested when nothing was edited). Null unless ' +
          'approved. An automation runs this, not what it asked for; `approved_content_sha256` is computed over it.',
      }),
    // Absent where nobody asks (callbacks, subscriptions, exports); Greenlight sends it on every answer to a caller,
    // long polls and the event stream included.
    viewer_can: ViewerCan.optional().openapi({
      description:
        'What the caller may do with the request: on every answer, a long poll (`/wait`) and the event stream (`/events`, for the ' +
        "stream's holder) included; absent in callbacks and subscription deliveries",
    }),
  })
  .openapi('Approval');
export type Approval = z.infer<typeof Approval>;

/**
 * The sources Greenlight itself records for a vote cast in one of its channels (a Slack button, a
 * decision link in an email). An API caller may not claim them, so a vote's source is evidence.
 */
export const CHANNEL_VOTE_SOURCES = ['slack', 'email', 'telegram', 'discord', 'msteams', 'webpush'] as const;

export const DecideApprovalBody = z
  .strictObject({
    decision: Decision,
    comment: z.string().max(LIMITS.commentMax).optional().openapi({ example: 'Verified with the user. Proceeding with deletion.' }),
    decision_note: z.string().max(LIMITS.commentMax).optional().openapi({ description: 'Another name for `comment` (send one of the two)' }),
    source: z
      .string()
      .min(1)
      .max(LIMITS.labelMax)
      .refine((s) => !(CHANNEL_VOTE_SOURCES as readonly string[]).includes(s.toLowerCase()), {
        message: `${CHANNEL_VOTE_SOURCES.join(', ')} are recorded by Greenlight for votes cast in those channels: name your integration instead`,
      })
      .optional()
      .openapi({ description: 'Where the vote was cast, as the caller names it (the dashboard sends `dashboard`, the CLI `cli`)', example: 'dashboard' }),
    grant: GiveGrant.optional(),
    response: Answer.optional().openapi({ description: "The answer to the request's `response_schema`: only with an approval, checked on the server" }),
    edits: Edits.optional().openapi({ description: 'New values for fields the request marks `editable`: only with an approval' }),
  })
  .refine((body) => body.comment === undefined || body.decision_note === undefined, {
    path: ['decision_note'],
    message: 'decision_note is another name for comment: send one of the two',
  })
  .refine((body) => body.grant === undefined || body.decision === 'approve', {
    path: ['grant'],
    message: 'a grant is given only with an approval',
  })
  .superRefine(answersOnlyWithApproval)
  .openapi('DecideApprovalRequest');
export type DecideApprovalBody = z.infer<typeof DecideApprovalBody>;

export const DecisionResult = Approval.extend({
  callback_delivered: z.boolean().openapi({ description: 'Whether the callback was delivered before this response was sent' }),
}).openapi('DecisionResult');
export type DecisionResult = z.infer<typeof DecisionResult>;

export const SORTS = ['created_at', '-created_at', 'updated_at', '-updated_at', 'decided_at', '-decided_at'] as const;
export const ApprovalSort = z.enum(SORTS).openapi('ApprovalSort');

const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item).min(1));

export const TagFilter = z
  .string()
  .transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of s.split(',')) {
      const i = pair.indexOf(':');
      if (i < 1) {
        ctx.addIssue({ code: 'custom', message: 'tags must be key:value pairs separated by commas' });
        return z.NEVER;
      }
      out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
    }
    return out;
  })
  .openapi({ type: 'string', description: 'key:value pairs, comma-separated; all must match', example: 'env:production' });

/** Which requests `GET /approvals?assigned=` lists. */
export const ASSIGNED_FILTERS = ['me', 'my_teams', 'all'] as const;
export const AssignedFilter = z.enum(ASSIGNED_FILTERS).openapi('AssignedFilter', {
  description:
    '`me`: pending requests that ask the caller now and that they have not voted on: the current step names them, a team of theirs, ' +
    'or someone they stand in for (delegation); a request without steps asks every approver and admin. `my_teams`: pending requests whose ' +
    'current step names a team the caller is in. `all` (default): no filter. `me` and `my_teams` need a person (session or OAuth grant).',
});
export type AssignedFilter = z.infer<typeof AssignedFilter>;

export const ListApprovalsQuery = z.object({
  page: PageQuery,
  page_size: PageSizeQuery,
  status: commaList(ApprovalStatus).optional().openapi({ type: 'string', description: 'pending, approved, rejected, cancelled, expired (comma-separated for several)', example: 'pending' }),
  priority: commaList(Priority).optional().openapi({ type: 'string', description: 'low, medium, high, critical (comma-separated for several)', example: 'high' }),
  search: z.string().trim().min(1).max(200).optional().openapi({ description: 'Full-text search on title and description', example: 'deploy production' }),
  external_id: z.string().min(1).max(LIMITS.keyMax).optional(),
  idempotency_key: z.string().min(1).max(LIMITS.keyMax).optional().openapi({ description: 'The request created with this idempotency key, if any' }),
  action_type: z.string().min(1).max(LIMITS.labelMax).optional(),
  entity_type: z.string().min(1).max(LIMITS.labelMax).optional().openapi({ description: 'Requests whose `resource.type` (`entity_type`) is this' }),
  entity_id: z.string().min(1).max(LIMITS.keyMax).optional().openapi({ description: 'Requests whose `resource.id` (`entity_id`) is this' }),
  source: z.string().min(1).max(LIMITS.labelMax).optional(),
  tags: TagFilter.optional(),
  created_after: TimestampInput.optional(),
  updated_after: TimestampInput.optional(),
  decided_after: TimestampInput.optional(),
  sort: ApprovalSort.default('-created_at'),
  page_token: z.string().min(1).max(1000).optional().openapi({ description: 'Cursor from `next_page_token`; when given, `page` is ignored' }),
  reverse: BooleanQuery.openapi({ description: 'true: the same list in the opposite order (`sort` reversed), pages and cursors included' }),
  assigned: AssignedFilter.optional(),
});
export type ListApprovalsQuery = z.infer<typeof ListApprovalsQuery>;

/**
 * Counting every match of a large list costs time in proportion to the list, reading a page does
 * not; so a list's total is counted exactly up to at least this many matches and estimated above.
 */
export const EXACT_TOTAL_UP_TO = 1_000;
const thousands = (x: number) => x.toLocaleString('en-US');

/** The spec's four fields keep their meaning; `total_exact` tells a client whether `total` was counted. */
export const ApprovalPagination = z
  .object({
    page: Pagination.shape.page,
    page_size: Pagination.shape.page_size,
    total: z
      .number()
      .int()
      .min(0)
      .openapi({
        description:
          `Requests matching the filters. Counted exactly up to at least ${thousands(EXACT_TOTAL_UP_TO)} (a search and ` +
          'other filters may be counted further); above that, an estimate from the database statistics, never less than what was counted ' +
          'nor than the requests this page shows to exist. On the last page of a list reached by page number it is exact again.',
      }),
    total_pages: z.number().int().min(0).openapi({ description: '`total` divided by `page_size`, rounded up: an estimate when `total` is one' }),
    // Optional for clients: a server of the spec's shape, which always counts, does not send it.
    total_exact: z
      .boolean()
      .optional()
      .openapi({
        description:
          'True when `total` and `total_pages` are exact; false when they are estimates (absent: exact). To read a large list to its end, follow `next_page_token` rather than counting pages.',
      }),
  })
  .openapi('ApprovalPagination');
export type ApprovalPagination = z.infer<typeof ApprovalPagination>;

export const ApprovalList = z
  .object({
    data: z.array(Approval),
    pagination: ApprovalPagination,
    next_page_token: z.string().nullable().openapi({ description: 'Pass as `page_token` for the next page; null on the last page' }),
  })
  .openapi('ApprovalList');
export type ApprovalList = z.infer<typeof ApprovalList>;
