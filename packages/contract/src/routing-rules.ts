import { z } from './zod.ts';
import { LIMITS, OnExpiry, Priority, Routing, Tags } from './approvals.ts';
import { ExpectedVersion, Principal, Timestamp, Uuid } from './common.ts';
import { FLOW_LIMITS, FlowApprovers, FlowSeconds } from './flows.ts';
import { Quorum } from './steps.ts';
import { ReminderPolicy } from './reminders.ts';
import { SlackChannel } from './slack.ts';

/**
 * Routing rules: an ordered rule set per organization; the first enabled rule whose every condition
 * holds routes a new request that names no `flow_id`, by starting a run exactly as a flow would.
 */
export const ROUTING_LIMITS = { rulesMax: 100, connectionsMax: 50, dryRunDefault: 500, dryRunMax: 2000 } as const;

const Glob = z
  .string()
  .min(1)
  .max(LIMITS.labelMax)
  .openapi({
    description:
      'A glob: `*` matches any run of characters but `/`, `**` any run at all, `?` one character, `{a,b}` either, `[a-z]` a class. ' +
      'Matched against the whole value, case-sensitively. `deploy.*` matches `deploy.production`.',
    example: 'deploy.*',
  });

export const RoutingMatch = z
  .strictObject({
    action_type: Glob.optional().openapi({ description: 'A glob over `action_type` (a request without one never matches)' }),
    priority: z
      .union([Priority, z.array(Priority).min(1).max(4)])
      .optional()
      .openapi({ description: 'One priority or a list of them' }),
    source: Glob.optional().openapi({ description: 'A glob over `source` (a request without one never matches)', example: 'github-actions' }),
    tags: z
      .strictObject({
        all: Tags.optional().openapi({ description: 'The request carries every one of these tags, with these values' }),
        any: Tags.optional().openapi({ description: 'The request carries at least one of these tags, with its value' }),
      })
      .optional(),
    connection_ids: z
      .array(Uuid)
      .min(1)
      .max(ROUTING_LIMITS.connectionsMax)
      .optional()
      .openapi({ description: 'The request is asked by one of these connections (API keys or OAuth grants) of the organization' }),
  })
  .openapi('RoutingMatch', { description: 'Every condition given must hold; a rule with no condition matches every request' });
export type RoutingMatch = z.infer<typeof RoutingMatch>;

const RoutedSlackChannel = SlackChannel.openapi({ description: 'Where the Slack notification of a routed request is posted', example: '#deploys' });

export const RoutingAction = z
  .strictObject({
    flow_id: Uuid.optional().openapi({ description: 'Starts a run of this flow (its current version), as `flow_id` on create would' }),
    approvers: FlowApprovers.optional().openapi({ description: 'Or: one step asking these people and/or teams' }),
    quorum: Quorum.optional().openapi({ description: 'With `approvers`: how many of them must approve (default 1)' }),
    expires_in_seconds: FlowSeconds.optional().openapi({
      description: "The request expires this long after it is created, unless it gives its own `expires_at` (overrides the flow's)",
    }),
    on_expiry: OnExpiry.optional().openapi({ description: "What happens at expiry (overrides the flow's and the request's)" }),
    slack_channel: RoutedSlackChannel.optional(),
    reminders: ReminderPolicy.optional().openapi({
      description: "Reminders and escalation of the request's steps; a flow step's own policy wins, and the org's default applies without either",
    }),
  })
  .superRefine((a, ctx) => {
    if ((a.flow_id === undefined) === (a.approvers === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'an action names either a flow_id or approvers, not both' });
    }
    if (a.quorum !== undefined && a.approvers === undefined) {
      ctx.addIssue({ code: 'custom', path: ['quorum'], message: 'quorum goes with approvers (a flow sets its own)' });
    }
  })
  .openapi('RoutingAction');
export type RoutingAction = z.infer<typeof RoutingAction>;

export const RoutingRuleInput = z
  .strictObject({
    id: Uuid.optional().openapi({ description: "A rule of the current set, to keep its id (and so the history of what it routed); leave out for a new rule" }),
    name: z.string().trim().min(1).max(FLOW_LIMITS.nameMax).openapi({ example: 'Production deploys' }),
    enabled: z.boolean().default(true).openapi({ description: 'A disabled rule is kept in its place but matches nothing' }),
    match: RoutingMatch.default({}),
    action: RoutingAction,
  })
  .openapi('RoutingRuleInput');
export type RoutingRuleInput = z.infer<typeof RoutingRuleInput>;

const RuleList = z
  .array(RoutingRuleInput)
  .max(ROUTING_LIMITS.rulesMax)
  .superRefine((rules, ctx) => {
    const ids = new Set<string>();
    rules.forEach((r, i) => {
      if (r.id === undefined) return;
      if (ids.has(r.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `rule ${r.id} is listed twice` });
      ids.add(r.id);
    });
  })
  .openapi({ description: 'In order: the first enabled rule that matches routes the request' });

export const PutRoutingRulesBody = z
  .strictObject({
    rules: RuleList,
    expected_version: ExpectedVersion,
  })
  .openapi('PutRoutingRulesRequest');
export type PutRoutingRulesBody = z.infer<typeof PutRoutingRulesBody>;

export const RoutingRule = z
  .object({
    id: z.uuid(),
    position: z.number().int().min(1).openapi({ description: 'Its place in the set, from 1' }),
    name: z.string(),
    enabled: z.boolean(),
    match: RoutingMatch,
    action: RoutingAction,
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .openapi('RoutingRule');
export type RoutingRule = z.infer<typeof RoutingRule>;

export const RoutingRuleSet = z
  .object({
    version: z.number().int().min(0).openapi({ description: 'Increases with every change; 0 before the first' }),
    rules: z.array(RoutingRule),
    updated_at: Timestamp.nullable(),
    updated_by: Principal.nullable(),
  })
  .openapi('RoutingRuleSet');
export type RoutingRuleSet = z.infer<typeof RoutingRuleSet>;


export const DryRunBody = z
  .strictObject({
    rules: RuleList,
    limit: z
      .number()
      .int()
      .min(1)
      .max(ROUTING_LIMITS.dryRunMax)
      .default(ROUTING_LIMITS.dryRunDefault)
      .openapi({ description: `How many of the latest requests to replay (default ${ROUTING_LIMITS.dryRunDefault}, at most ${ROUTING_LIMITS.dryRunMax})` }),
  })
  .openapi('RoutingDryRunRequest');
export type DryRunBody = z.infer<typeof DryRunBody>;

export const DryRunRuleRef = z
  .object({
    id: z.uuid().nullable().openapi({ description: 'Null for a new rule of the candidate set' }),
    name: z.string(),
    position: z.number().int().min(1),
  })
  .openapi('DryRunRuleRef');
export type DryRunRuleRef = z.infer<typeof DryRunRuleRef>;

export const AskedPerson = z.object({ user_id: z.uuid(), name: z.string() }).openapi('AskedPerson');

export const DryRunRequest = z
  .object({
    approval_id: z.uuid(),
    title: z.string(),
    action_type: z.string().nullable(),
    priority: Priority,
    source: z.string().nullable(),
    created_at: Timestamp,
    routable: z.boolean().openapi({ description: 'False for a request that named its own `flow_id` or steps: rules never route those' }),
    routed_by: Routing.nullable().openapi({ description: 'The rule that routed it when it was created' }),
    current: DryRunRuleRef.nullable().openapi({ description: 'The rule of the saved set that matches it now; null: none' }),
    candidate: DryRunRuleRef.nullable().openapi({ description: 'The rule of the candidate set that matches it; null: none' }),
    moved: z.boolean().openapi({ description: 'A different rule (or none instead of one) would route it' }),
    current_approvers: z.array(AskedPerson).openapi({ description: 'Who the saved set would ask first (no rule: every approver and admin), the requester excepted' }),
    candidate_approvers: z.array(AskedPerson),
    approvers_changed: z.boolean(),
  })
  .openapi('DryRunRequest');

export const DryRunTransition = z
  .object({ from: DryRunRuleRef.nullable(), to: DryRunRuleRef.nullable(), count: z.number().int().min(1) })
  .openapi('DryRunTransition');

export const DryRunResult = z
  .object({
    current_version: z.number().int().min(0),
    replayed: z.number().int().min(0).openapi({ description: 'Requests replayed: the latest of the organization, newest first' }),
    requests: z.array(DryRunRequest),
    summary: z.object({
      moved: z.number().int(),
      unchanged: z.number().int(),
      not_routable: z.number().int(),
      approvers_changed: z.number().int(),
      transitions: z.array(DryRunTransition).openapi({ description: 'Moves, grouped by (from, to), most first' }),
      sentences: z.array(z.string()).openapi({ description: 'The summary in English, one sentence each' }),
    }),
  })
  .openapi('RoutingDryRunResult');
export type DryRunResult = z.infer<typeof DryRunResult>;
