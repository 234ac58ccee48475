import type { OnExpiry, ReminderPolicy } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import type { RunStepDefinition } from '../../core/approvals/index.ts';
import { firstMatch, type RoutableRequest } from '../../core/routing.ts';
import { currentVersion, type FlowDefinition } from '../flows/flows.ts';
import { ruleSetFor } from './routing-rules.ts';

/** How a routing rule starts a request's run: the flow's version, or the rule's own one step; and what it sets. */
export interface Routed {
  rule: { id: string; name: string; version: number };
  flow: { id: string; version: number; definition: FlowDefinition } | null;
  /** The rule's approvers as one step (null with a flow: its version's steps are copied by the create statement). */
  steps: RunStepDefinition[] | null;
  expiresInSeconds: number | null;
  onExpiry: OnExpiry | null;
  slackChannel: string | null;
  reminders: ReminderPolicy | null;
}

/**
 * The routing of a new request that names no flow: the first matching rule of the org's set and the
 * run it starts. Null when the org has no rule or none matches; an org without rules pays one lookup
 * in the process cache.
 */
export async function routeRequest(deps: Pick<AppDeps, 'db' | 'routing' | 'flows'>, orgId: string, request: RoutableRequest): Promise<Routed | null> {
  const set = await ruleSetFor(deps, orgId);
  if (set.rules.length === 0) return null;
  const rule = firstMatch(set, request);
  if (!rule) return null;
  const a = rule.action;
  let flow: Routed['flow'] = null;
  if (a.flow_id) {
    const v = await currentVersion(deps, orgId, a.flow_id);
    // A flow named by a rule cannot be deleted (flows.ts refuses it), so this is a broken invariant, not bad input.
    if (!v) throw new Error(`routing rule ${rule.id} names flow ${a.flow_id}, which does not exist`);
    flow = { id: a.flow_id, ...v };
  }
  return {
    rule: { id: rule.id!, name: rule.name, version: set.version },
    flow,
    steps: a.approvers
      ? [{ name: rule.name, user_ids: a.approvers.user_ids, team_ids: a.approvers.team_ids, quorum: a.quorum === 'all' ? null : (a.quorum ?? 1), time_limit_seconds: null }]
      : null,
    expiresInSeconds: a.expires_in_seconds ?? null,
    onExpiry: a.on_expiry ?? null,
    slackChannel: a.slack_channel ?? null,
    reminders: a.reminders ?? null,
  };
}
