import { canonicalize } from 'json-canonicalize';
import type { RoutingAction, RoutingMatch, RoutingRule, RoutingRuleInput, RoutingRuleSet } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import type { Queryable } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { approverIssues, escalationTarget, type ApproverIssue } from '../../core/approvers.ts';
import { compileGlob, GlobError, type CompiledRuleSet, type StoredRule } from '../../core/routing.ts';
import { readRuleSet, ROUTING_CHANNEL } from '../../core/routing-cache.ts';

/** The org's compiled rule set, from the process cache when the app has one. */
export function ruleSetFor(deps: Pick<AppDeps, 'db' | 'routing'>, orgId: string): Promise<CompiledRuleSet> {
  return deps.routing ? deps.routing.ruleSetOf(deps.db, orgId) : readRuleSet(deps.db, orgId);
}

/** A rule's match and action as stored: defaults applied, lists without repeats, nothing undefined. */
export function normalized(rule: RoutingRuleInput): { match: RoutingMatch; action: RoutingAction } {
  const m = rule.match;
  const match: RoutingMatch = {
    ...(m.action_type !== undefined && { action_type: m.action_type }),
    ...(m.priority !== undefined && { priority: Array.isArray(m.priority) ? [...new Set(m.priority)] : m.priority }),
    ...(m.source !== undefined && { source: m.source }),
    ...(m.tags && (m.tags.all || m.tags.any) && { tags: { ...(m.tags.all && { all: m.tags.all }), ...(m.tags.any && { any: m.tags.any }) } }),
    ...(m.connection_ids !== undefined && { connection_ids: [...new Set(m.connection_ids)] }),
  };
  const a = rule.action;
  const action: RoutingAction = {
    ...(a.flow_id !== undefined && { flow_id: a.flow_id }),
    ...(a.approvers !== undefined && {
      approvers: { user_ids: [...new Set(a.approvers.user_ids)], team_ids: [...new Set(a.approvers.team_ids)] },
      quorum: a.quorum ?? 1,
    }),
    ...(a.expires_in_seconds !== undefined && { expires_in_seconds: a.expires_in_seconds }),
    ...(a.on_expiry !== undefined && { on_expiry: a.on_expiry }),
    ...(a.slack_channel !== undefined && { slack_channel: a.slack_channel }),
    ...(a.reminders !== undefined && { reminders: a.reminders }),
  };
  return { match, action };
}

/**
 * What is wrong with a rule set, for PUT and for the dry run alike: a malformed glob; a flow, team,
 * person (not a member, or a viewer) or connection that is not the org's (another org's looks unknown);
 * a quorum larger than the people a step asks; a rule id that is not one of the org's rules.
 */
export async function ruleSetIssues(db: Queryable, orgId: string, rules: RoutingRuleInput[], currentIds: Set<string>): Promise<ApproverIssue[]> {
  const issues: ApproverIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, code: 'custom', message });
  rules.forEach((r, i) => {
    if (r.id !== undefined && !currentIds.has(r.id)) add(`rules.${i}.id`, `${r.id} is not a rule of this organization's set (leave id out for a new rule)`);
    for (const field of ['action_type', 'source'] as const) {
      const glob = r.match[field];
      if (glob === undefined) continue;
      try {
        compileGlob(glob);
      } catch (err) {
        if (!(err instanceof GlobError)) throw err;
        add(`rules.${i}.match.${field}`, `"${glob}" is not a valid glob: ${err.message}`);
      }
    }
  });
  const flowIds = [...new Set(rules.flatMap((r) => (r.action.flow_id ? [r.action.flow_id] : [])))];
  const connectionIds = [...new Set(rules.flatMap((r) => r.match.connection_ids ?? []))];
  const { rows: flows } = await db.query<{ id: string }>('SELECT id FROM flows WHERE org_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL', [orgId, flowIds]);
  const { rows: connections } = await db.query<{ id: string }>('SELECT id FROM connections WHERE org_id = $1 AND id = ANY($2::uuid[])', [orgId, connectionIds]);
  const knownFlows = new Set(flows.map((f) => f.id));
  const knownConnections = new Set(connections.map((c) => c.id));
  rules.forEach((r, i) => {
    if (r.action.flow_id && !knownFlows.has(r.action.flow_id)) add(`rules.${i}.action.flow_id`, `flow_id ${r.action.flow_id} is not a flow of this organization`);
    r.match.connection_ids?.forEach((id, j) => {
      if (!knownConnections.has(id)) add(`rules.${i}.match.connection_ids.${j}`, `connection ${id} is not a connection of this organization`);
    });
  });
  const named = rules.flatMap((r, i) => {
    const a = normalized(r).action;
    return [
      ...(a.approvers ? [{ path: `rules.${i}.action`, user_ids: a.approvers.user_ids, team_ids: a.approvers.team_ids, quorum: a.quorum ?? 1 }] : []),
      ...escalationTarget(`rules.${i}.action.reminders`, a.reminders),
    ];
  });
  if (named.length > 0) issues.push(...(await approverIssues(db, orgId, named)));
  return issues;
}

export function assertNoIssues(issues: ApproverIssue[]): void {
  if (issues.length > 0) throw new ApiError('VALIDATION_ERROR', `${issues[0]!.path}: ${issues[0]!.message}`, { location: 'body', issues });
}

interface RuleRow {
  id: string;
  position: number;
  name: string;
  enabled: boolean;
  match: RoutingMatch;
  action: RoutingAction;
  created_at: Date;
  updated_at: Date;
}

interface SetRow {
  version: number;
  updated_at: Date;
  updated_by_type: 'user' | 'connection' | 'system';
  updated_by_id: string | null;
  updated_by_name: string | null;
}

const toRule = (r: RuleRow): RoutingRule => ({
  id: r.id,
  position: r.position,
  name: r.name,
  enabled: r.enabled,
  match: r.match,
  action: r.action,
  created_at: r.created_at.toISOString(),
  updated_at: r.updated_at.toISOString(),
});

async function ruleRows(db: Queryable, orgId: string): Promise<RuleRow[]> {
  return (
    await db.query<RuleRow>(
      'SELECT id, position, name, enabled, match, action, created_at, updated_at FROM routing_rules WHERE org_id = $1 ORDER BY position',
      [orgId],
    )
  ).rows;
}

export async function getRuleSet(db: Queryable, orgId: string): Promise<RoutingRuleSet> {
  const { rows } = await db.query<SetRow>(
    `SELECT s.version, s.updated_at, s.updated_by_type, s.updated_by_id,
            CASE s.updated_by_type WHEN 'user' THEN (SELECT coalesce(u.name, u.email) FROM users u WHERE u.id = s.updated_by_id)
                                   WHEN 'connection' THEN (SELECT c.name FROM connections c WHERE c.id = s.updated_by_id) END AS updated_by_name
       FROM routing_rule_sets s WHERE s.org_id = $1`,
    [orgId],
  );
  const set = rows[0];
  return {
    version: set?.version ?? 0,
    rules: (await ruleRows(db, orgId)).map(toRule),
    updated_at: set ? set.updated_at.toISOString() : null,
    updated_by: set ? { type: set.updated_by_type, id: set.updated_by_id, name: set.updated_by_name } : null,
  };
}

export async function getRule(db: Queryable, orgId: string, ruleId: string): Promise<RoutingRule | null> {
  const { rows } = await db.query<RuleRow>(
    'SELECT id, position, name, enabled, match, action, created_at, updated_at FROM routing_rules WHERE org_id = $1 AND id = $2',
    [orgId, ruleId],
  );
  return rows[0] ? toRule(rows[0]) : null;
}

/** The saved rules as PUT takes them, for a change of one (DELETE by id). */
const asInput = (r: RuleRow): RoutingRuleInput => ({ id: r.id, name: r.name, enabled: r.enabled, match: r.match, action: r.action });

/**
 * Replaces the org's whole rule set in one transaction: validated, written in order (a rule sent
 * with its id keeps it and its creation time), a new version, an audit entry with the set, and the
 * announcement that drops every process's cached copy once it commits.
 *
 * The org row is locked, as flows and teams lock it: a flow or team deleted concurrently either sees
 * this set (and is refused while a rule names it) or is seen by its validation.
 */
export async function replaceRuleSet(
  deps: Pick<AppDeps, 'db' | 'routing'>,
  orgId: string,
  rules: RoutingRuleInput[],
  actor: AuditActor,
  expectedVersion?: number,
): Promise<RoutingRuleSet> {
  const result = await deps.db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
    const { rows: sets } = await tx.query<{ version: number }>('SELECT version FROM routing_rule_sets WHERE org_id = $1', [orgId]);
    const from = sets[0]?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== from) {
      throw new ApiError('VERSION_CONFLICT', `the rules were changed since version ${expectedVersion} (now version ${from}): reload them and apply your change again`, {
        expected_version: expectedVersion,
        current_version: from,
      });
    }
    const old = await ruleRows(tx, orgId);
    const byId = new Map(old.map((r) => [r.id, r]));
    assertNoIssues(await ruleSetIssues(tx, orgId, rules, new Set(byId.keys())));

    const version = from + 1;
    const kept = new Set<string>();
    const changed: string[] = [];
    const added: string[] = [];
    await tx.query('DELETE FROM routing_rules WHERE org_id = $1', [orgId]);
    for (const [i, rule] of rules.entries()) {
      const { match, action } = normalized(rule);
      const before = rule.id === undefined ? undefined : byId.get(rule.id);
      const same =
        before !== undefined &&
        before.position === i + 1 &&
        before.name === rule.name &&
        before.enabled === rule.enabled &&
        canonicalize(before.match) === canonicalize(match) &&
        canonicalize(before.action) === canonicalize(action);
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO routing_rules (id, org_id, position, name, enabled, match, action, created_at, updated_at)
         VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6, $7, coalesce($8::timestamptz, now()), coalesce($9::timestamptz, now()))
         RETURNING id`,
        [
          rule.id ?? null,
          orgId,
          i + 1,
          rule.name,
          rule.enabled,
          JSON.stringify(match),
          JSON.stringify(action),
          before?.created_at.toISOString() ?? null,
          same ? before.updated_at.toISOString() : null,
        ],
      );
      if (before) {
        kept.add(before.id);
        if (!same) changed.push(before.id);
      } else added.push(rows[0]!.id);
    }
    await tx.query(
      `INSERT INTO routing_rule_sets (org_id, version, updated_at, updated_by_type, updated_by_id) VALUES ($1, $2, now(), $3, $4)
       ON CONFLICT (org_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now(), updated_by_type = EXCLUDED.updated_by_type, updated_by_id = EXCLUDED.updated_by_id`,
      [orgId, version, actor.type, actor.type === 'system' ? null : actor.id],
    );
    const set = await getRuleSet(tx, orgId);
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'routing_rules.updated',
      target: { type: 'routing_rules', id: orgId },
      details: {
        from_version: from,
        version,
        added,
        changed,
        removed: old.filter((r) => !kept.has(r.id)).map((r) => ({ id: r.id, name: r.name })),
        rules: set.rules.map((r) => ({ id: r.id, position: r.position, name: r.name, enabled: r.enabled, match: r.match, action: r.action })),
      },
    });
    tx.notify(ROUTING_CHANNEL, orgId);
    return set;
  });
  // This process at once; the others when the NOTIFY arrives.
  deps.routing?.forget(orgId);
  return result;
}

export async function deleteRule(deps: Pick<AppDeps, 'db' | 'routing'>, orgId: string, ruleId: string, actor: AuditActor): Promise<RoutingRuleSet> {
  const { rows } = await deps.db.query<{ version: number }>('SELECT version FROM routing_rule_sets WHERE org_id = $1', [orgId]);
  const rules = await ruleRows(deps.db, orgId);
  if (!rules.some((r) => r.id === ruleId)) throw notFound('routing rule');
  // Against the version read: a change saved in between makes this a 409, never a silent revert.
  return replaceRuleSet(deps, orgId, rules.filter((r) => r.id !== ruleId).map(asInput), actor, rows[0]?.version ?? 0);
}

/**
 * The rules of the saved set that name a team or a flow: deleting either is refused while any does,
 * so no rule is left routing to nobody. Call under the org row's lock (see replaceRuleSet).
 */
export async function rulesNaming(tx: Queryable, orgId: string, what: { teamId: string } | { flowId: string }): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    'teamId' in what
      ? `SELECT id FROM routing_rules WHERE org_id = $1 AND action -> 'approvers' -> 'team_ids' ? $2 ORDER BY position`
      : `SELECT id FROM routing_rules WHERE org_id = $1 AND action ->> 'flow_id' = $2 ORDER BY position`,
    [orgId, 'teamId' in what ? what.teamId : what.flowId],
  );
  return rows.map((r) => r.id);
}

/** A stored rule as the matcher takes it. */
export const storedRule = (r: RoutingRule): StoredRule => ({ id: r.id, position: r.position, name: r.name, enabled: r.enabled, match: r.match, action: r.action });

