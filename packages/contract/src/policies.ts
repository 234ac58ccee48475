import { z } from './zod.ts';
import { LIMITS, Priority } from './approvals.ts';
import { ExpectedVersion, Principal, Timestamp } from './common.ts';
import { INPUT_LIMITS } from './input-limits.ts';

/**
 * Policies: an organization's rules, written in Cedar (https://www.cedarpolicy.com), that decide a new
 * request before a person is asked. For each new request the set answers:
 * - a `forbid` policy holds → the request is rejected at once, with the policy's `@reason`;
 * - else a `permit` policy holds → it is approved at once, unless it is of a class that never goes
 *   without a person (`never_without_person`), when people are asked as routed;
 * - else nothing: people are asked as routed. Cedar's default deny is "no decision" here, never a rejection.
 * A forbid always wins over a permit (Cedar's semantics).
 *
 * What a policy can look at is POLICY_SCHEMA below: the one definition, from which the Cedar schema
 * text (policySchemaText) is made, which the server validates every set against and serves.
 */
/** The text is one JSON string of the body, so it is held to the longest string a body may carry. */
export const POLICY_LIMITS = { sourceMax: INPUT_LIMITS.longTextMax, policiesMax: 1000, actionTypesMax: 50 } as const;

/** The Cedar namespace of every type below. */
export const POLICY_NAMESPACE = 'Greenlight';
/** The one action a policy is about: a request being asked. */
export const POLICY_ACTION = 'ask';

/** The Cedar types a field takes; `tags`: a Cedar entity's tags (String values), read with hasTag/getTag. */
type CedarType = 'String' | 'Long' | 'Bool' | 'Set<String>' | 'Entity' | 'Record';

interface FieldDoc {
  name: string;
  type: CedarType;
  /** The entity or record type, for `Entity` and `Record`. */
  of?: string;
  optional?: boolean;
  description: string;
}

/** Priorities as numbers, for comparisons (`resource.priority_rank >= 3`). */
export const PRIORITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const satisfies Record<Priority, number>;

/**
 * What a request carries into a policy: the principal is who asks (`Requester`), the action is always
 * `Greenlight::Action::"ask"`, the resource is the request (`Request`), and `context` holds the time.
 * Optional fields are absent when the request has no value: test them with `has` first.
 */
export const POLICY_SCHEMA = {
  Requester: {
    description: 'Who asks: the connection (API key or OAuth grant) or the person that creates the request.',
    fields: [
      { name: 'kind', type: 'String', description: '"connection" (an API key or OAuth grant) or "user" (a person, from the dashboard)' },
      { name: 'id', type: 'String', description: "The connection's or person's id" },
      { name: 'name', type: 'String', description: "The connection's or person's name as Greenlight shows it" },
      { name: 'auth_type', type: 'String', optional: true, description: 'For a connection: "api_key" or "oauth"' },
      { name: 'oauth_client_id', type: 'String', optional: true, description: 'For an OAuth grant: the client_id of the application it was given to' },
    ],
  },
  Request: {
    description:
      'The request as it is created. Its `tags` are the entity\'s tags: `resource.hasTag("env") && resource.getTag("env") == "prod"`.',
    fields: [
      { name: 'title', type: 'String', description: 'The title' },
      { name: 'action_type', type: 'String', optional: true, description: 'e.g. "deploy.production"; match with `like "deploy.*"`' },
      { name: 'source', type: 'String', optional: true, description: 'e.g. "github-actions"' },
      { name: 'priority', type: 'String', description: '"low", "medium", "high" or "critical"' },
      { name: 'priority_rank', type: 'Long', description: 'The priority as a number: low 1, medium 2, high 3, critical 4' },
      { name: 'metadata', type: 'Entity', of: 'Metadata', description: "The request's metadata, one tag per top-level key (see Metadata)" },
      { name: 'entity', type: 'Record', of: 'Target', optional: true, description: 'What the action is about (`resource` or `entity_*` on create)' },
      { name: 'changed_fields', type: 'Set<String>', description: 'The top-level keys of `changes.before` and `changes.after` whose values differ' },
      { name: 'has_changes', type: 'Bool', description: 'Whether the request carries `changes`' },
      { name: 'has_callback', type: 'Bool', description: 'Whether the request carries a `callback_url`' },
      { name: 'required_approvals', type: 'Long', description: 'Approvals asked for on create' },
      { name: 'agent_session', type: 'String', optional: true, description: "An agent's session or run (`metadata.session_id` or `metadata.run_id`, as the agent adapters send it)" },
    ],
  },
  Metadata: {
    description:
      'The metadata as tags: a string value as it is, any other value as its JSON text (`resource.metadata.getTag("amount") == "120"`).',
    fields: [],
  },
  Target: {
    description: 'A record: the thing the action is about.',
    fields: [
      { name: 'type', type: 'String', description: 'e.g. "invoice"' },
      { name: 'id', type: 'String', description: 'Its id' },
      { name: 'name', type: 'String', optional: true, description: 'Its name, when given' },
    ],
  },
  Time: {
    description: 'A record, `context.time`: when the request is created (UTC).',
    fields: [
      { name: 'unix', type: 'Long', description: 'Seconds since 1970-01-01T00:00:00Z' },
      { name: 'hour', type: 'Long', description: 'Hour of the day, 0–23' },
      { name: 'minute', type: 'Long', description: 'Minute of the hour, 0–59' },
      { name: 'weekday', type: 'Long', description: 'Day of the week, 1 (Monday) to 7 (Sunday)' },
      { name: 'date', type: 'String', description: 'The date, "YYYY-MM-DD"' },
    ],
  },
} as const satisfies Record<string, { description: string; fields: readonly FieldDoc[] }>;

const cedarType = (f: FieldDoc): string => {
  if (f.type === 'Entity' || f.type === 'Record') return f.of!;
  return f.type;
};
const shape = (fields: readonly FieldDoc[], indent: string) =>
  fields.map((f) => `${indent}${f.name}${f.optional ? '?' : ''}: ${cedarType(f)},`).join('\n');

/** The Cedar schema (human-readable syntax) every policy set is validated against; served by `GET /policies/schema`. */
export function policySchemaText(): string {
  const s = POLICY_SCHEMA;
  return [
    `namespace ${POLICY_NAMESPACE} {`,
    `  type Target = {\n${shape(s.Target.fields, '    ')}\n  };`,
    `  type Time = {\n${shape(s.Time.fields, '    ')}\n  };`,
    `  entity Requester = {\n${shape(s.Requester.fields, '    ')}\n  };`,
    `  entity Metadata tags String;`,
    `  entity Request = {\n${shape(s.Request.fields, '    ')}\n  } tags String;`,
    `  action ${POLICY_ACTION} appliesTo {\n    principal: Requester,\n    resource: Request,\n    context: { time: Time },\n  };`,
    `}`,
    '',
  ].join('\n');
}

export const ActionTypeGlob = z
  .string()
  .min(1)
  .max(LIMITS.labelMax)
  .openapi({ description: 'A glob over `action_type`, as routing rules match it (`payments.*`)', example: 'payments.*' });

export const NeverWithoutPerson = z
  .strictObject({
    priorities: z
      .array(Priority)
      .max(4)
      .openapi({ description: 'Requests of these priorities are never approved by a policy (default: critical)' }),
    action_types: z
      .array(ActionTypeGlob)
      .max(POLICY_LIMITS.actionTypesMax)
      .openapi({ description: 'Requests whose `action_type` matches one of these globs are never approved by a policy' }),
  })
  .openapi('NeverWithoutPerson', {
    description:
      'Classes of request that no policy may approve: a person always decides them. A policy may still reject them. A set whose ' +
      'permit names such a class outright (`resource.priority == "critical"`, an `action_type` the list matches) is refused on save; ' +
      'any other permit that would cover one is not applied to it when a request comes.',
  });
export type NeverWithoutPerson = z.infer<typeof NeverWithoutPerson>;

export const DEFAULT_NEVER_WITHOUT_PERSON: NeverWithoutPerson = { priorities: ['critical'], action_types: [] };

export const PutPoliciesBody = z
  .strictObject({
    source: z
      .string()
      .max(POLICY_LIMITS.sourceMax)
      .openapi({
        description:
          'The whole policy set in Cedar. Each policy carries `@id("…")` (letters, digits, `-`, `_`, `.`; unique in the set), and may carry ' +
          '`@reason("…")`: the comment of its decision (for a forbid, the rejection reason). An empty text: no policy.',
        example: '@id("low-risk-reads")\n@reason("reads are safe")\npermit (principal, action, resource)\nwhen { resource has action_type && resource.action_type like "read.*" };\n',
      }),
    never_without_person: NeverWithoutPerson,
    expected_version: ExpectedVersion,
    confirm_approves_rejected: z.boolean().default(false).openapi({
      description:
        'Save even though the set, replayed against the latest decided requests (as `POST /policies/replay` does, with its default limit), ' +
        'would approve a request a person rejected. Without it such a save is refused with 409 CONFIRMATION_REQUIRED, whose ' +
        '`details.disagreements` lists those requests.',
    }),
  })
  .openapi('PutPoliciesRequest');
export type PutPoliciesBody = z.infer<typeof PutPoliciesBody>;

export const PolicySummary = z
  .object({
    id: z.string().openapi({ description: 'Its `@id`' }),
    effect: z.enum(['permit', 'forbid']),
    reason: z.string().nullable().openapi({ description: 'Its `@reason`, if any' }),
    line: z.number().int().min(1).openapi({ description: 'The line of `source` it starts on' }),
    mode: z.enum(['enforce', 'shadow']).openapi({
      description: '`shadow` (a policy annotated `@shadow`): evaluated for every new request and its verdict recorded, never applied; see `GET /policies/shadow`',
    }),
  })
  .openapi('PolicySummary');

export const PolicySet = z
  .object({
    version: z.number().int().min(0).openapi({ description: 'Increases with every change; 0 before the first' }),
    source: z.string(),
    policies: z.array(PolicySummary).openapi({ description: 'The policies of `source`, in order' }),
    never_without_person: NeverWithoutPerson,
    updated_at: Timestamp.nullable(),
    updated_by: Principal.nullable(),
  })
  .openapi('PolicySet');
export type PolicySet = z.infer<typeof PolicySet>;

const SchemaField = z.object({
  name: z.string(),
  type: z.string().openapi({ description: 'Its Cedar type' }),
  optional: z.boolean(),
  description: z.string(),
});

export const PolicySchema = z
  .object({
    cedar_schema: z.string().openapi({ description: 'The Cedar schema (human-readable syntax) every set is validated against' }),
    principal: z.string().openapi({ example: 'Greenlight::Requester' }),
    action: z.string().openapi({ example: 'Greenlight::Action::"ask"' }),
    resource: z.string().openapi({ example: 'Greenlight::Request' }),
    types: z.array(z.object({ name: z.string(), description: z.string(), fields: z.array(SchemaField) })),
  })
  .openapi('PolicySchema');
export type PolicySchema = z.infer<typeof PolicySchema>;

/** `PolicySchema` as served: built from POLICY_SCHEMA, nothing else. */
export function policySchema(): PolicySchema {
  return {
    cedar_schema: policySchemaText(),
    principal: `${POLICY_NAMESPACE}::Requester`,
    action: `${POLICY_NAMESPACE}::Action::"${POLICY_ACTION}"`,
    resource: `${POLICY_NAMESPACE}::Request`,
    types: Object.entries(POLICY_SCHEMA).map(([name, t]) => ({
      name,
      description: t.description,
      fields: (t.fields as readonly FieldDoc[]).map((f) => ({ name: f.name, type: cedarType(f), optional: f.optional ?? false, description: f.description })),
    })),
  };
}


export const POLICY_REPLAY_LIMITS = { default: 500, max: 2000 } as const;

export const ReplayPoliciesBody = z
  .strictObject({
    source: PutPoliciesBody.shape.source,
    never_without_person: NeverWithoutPerson,
    limit: z
      .number()
      .int()
      .min(1)
      .max(POLICY_REPLAY_LIMITS.max)
      .default(POLICY_REPLAY_LIMITS.default)
      .openapi({ description: `How many of the latest decided requests to replay (default ${POLICY_REPLAY_LIMITS.default}, at most ${POLICY_REPLAY_LIMITS.max})` }),
  })
  .openapi('ReplayPoliciesRequest');
export type ReplayPoliciesBody = z.infer<typeof ReplayPoliciesBody>;

export const ReplayedRequest = z
  .object({
    approval_id: z.uuid(),
    title: z.string(),
    created_at: Timestamp,
    decided: z.enum(['approved', 'rejected']).openapi({ description: 'How the request was decided (a revoked approval counts as rejected)' }),
    decided_by_type: z.string().nullable().openapi({ description: 'Who decided it: user, connection, policy or system' }),
    candidate: z.enum(['approve', 'reject', 'none']).openapi({ description: 'What the candidate set decides about it, created as it was then' }),
    policy_id: z.string().nullable().openapi({ description: 'The policy of the candidate that decides it' }),
  })
  .openapi('ReplayedRequest');

export const ReplayPoliciesResult = z
  .object({
    replayed: z.number().int().min(0).openapi({ description: 'Decided requests replayed: the latest of the organization, newest first' }),
    would_approve: z.number().int().min(0),
    would_reject: z.number().int().min(0),
    no_decision: z.number().int().min(0),
    disagreements: z.array(ReplayedRequest).openapi({
      description: 'Every replayed request the candidate would decide otherwise than it was decided: approve what was rejected, or reject what was approved',
    }),
    approves_rejected: z.number().int().min(0).openapi({ description: 'Of the disagreements, requests the candidate would approve that were rejected' }),
    sentences: z.array(z.string()).openapi({ description: 'The summary in English, one sentence each' }),
  })
  .openapi('ReplayPoliciesResult');
export type ReplayPoliciesResult = z.infer<typeof ReplayPoliciesResult>;

export const ShadowPolicyReport = z
  .object({
    policy_id: z.string(),
    would_approve: z.number().int().min(0).openapi({ description: 'Requests it would have approved' }),
    would_reject: z.number().int().min(0).openapi({ description: 'Requests it would have rejected' }),
    agreed: z.number().int().min(0).openapi({ description: 'Of those decided since, decided as it would have' }),
    disagreed: z.number().int().min(0).openapi({ description: 'Of those decided since, decided otherwise' }),
    undecided: z.number().int().min(0).openapi({ description: 'Still pending, cancelled or expired' }),
  })
  .openapi('ShadowPolicyReport');

export const ShadowReport = z
  .object({ policies: z.array(ShadowPolicyReport).openapi({ description: 'Every policy that has run in shadow, by id' }) })
  .openapi('ShadowReport');
export type ShadowReport = z.infer<typeof ShadowReport>;
