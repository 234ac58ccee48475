import type { DryRunBody, DryRunResult, DryRunRuleRef, Priority, Routing } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import { exceptRequester, peopleAskedFirst } from '../../core/approvers.ts';
import { compileRuleSet, firstMatch, type CompiledRule } from '../../core/routing.ts';
import { assertNoIssues, normalized, ruleSetFor, ruleSetIssues } from './routing-rules.ts';

interface ReplayedRow {
  id: string;
  title: string;
  action_type: string | null;
  priority: Priority;
  source: string | null;
  tags: Record<string, string>;
  connection_id: string | null;
  flow_id: string | null;
  routing: Routing | null;
  has_steps: boolean;
  requester: string | null;
  created_at: Date;
}

type Person = { user_id: string; name: string };

const ref = (r: CompiledRule | null): DryRunRuleRef | null => (r ? { id: r.id, name: r.name, position: r.position } : null);
/** A rule's identity across the two sets: its id; a new rule of the candidate is none of the saved ones. */
const keyOf = (r: CompiledRule | null) => (r === null ? 'none' : (r.id ?? `new:${r.position}`));
const requests = (n: number) => (n === 1 ? '1 request' : `${n} requests`);
const named = (r: DryRunRuleRef) => `rule ${r.position} “${r.name}”`;

/**
 * Replays the org's latest requests against the saved rule set and a candidate, with the matching
 * create uses (core/routing.ts `firstMatch`), and says who each would ask first. Reads only.
 *
 * A request that named its own `flow_id`, or its own steps (configured after the create, which replaced
 * any rule's), is never routed, under either set: it is listed, not counted as staying or moving. "Now" is the saved set as it is now, which may differ from the rule that
 * routed the request when it was created (`routed_by`).
 */
export async function dryRun(deps: Pick<AppDeps, 'db' | 'routing'>, orgId: string, body: DryRunBody): Promise<DryRunResult> {
  const { db } = deps;
  const current = await ruleSetFor(deps, orgId);
  const currentIds = new Set(current.rules.map((r) => r.id!));
  assertNoIssues(await ruleSetIssues(db, orgId, body.rules, currentIds));
  const candidate = compileRuleSet(
    current.version,
    body.rules.map((r, i) => ({ id: r.id ?? null, position: i + 1, name: r.name, enabled: r.enabled, ...normalized(r) })),
  );

  const { rows } = await db.query<ReplayedRow>(
    `SELECT a.id, a.title, a.action_type, a.priority, a.source, a.tags, a.connection_id, a.flow_id, a.routing, a.created_at,
            EXISTS (SELECT 1 FROM approval_steps s WHERE s.approval_id = a.id) AS has_steps,
            greenlight_requester_person(a.requested_by_type, a.requested_by_id) AS requester
       FROM approvals a
      WHERE a.org_id = $1
      ORDER BY a.created_at DESC, a.seq DESC
      LIMIT $2`,
    [orgId, body.limit],
  );

  // Who each rule asks first, once per rule: its flow's first step (as it is now) or its approvers; no rule: everyone.
  const flowIds = [...new Set([...current.rules, ...candidate.rules].flatMap((r) => (r.action.flow_id ? [r.action.flow_id] : [])))];
  const { rows: flows } = await db.query<{ id: string; step: { user_ids: string[]; team_ids: string[] } | null }>(
    `SELECT f.id, v.definition -> 'steps' -> 0 AS step
       FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.version
      WHERE f.org_id = $1 AND f.id = ANY($2::uuid[])`,
    [orgId, flowIds],
  );
  const firstStepOfFlow = new Map(flows.map((f) => [f.id, f.step]));
  const rules = [null, ...current.rules, ...candidate.rules];
  const asked = await peopleAskedFirst(
    db,
    orgId,
    rules.map((r) => {
      if (r === null) return null;
      if (r.action.approvers) return r.action.approvers;
      return firstStepOfFlow.get(r.action.flow_id!) ?? { user_ids: [], team_ids: [] };
    }),
  );
  const peopleOf = new Map<CompiledRule | null, Person[]>(rules.map((r, i) => [r, asked.get(i)!]));

  const transitions = new Map<string, { from: DryRunRuleRef | null; to: DryRunRuleRef | null; count: number }>();
  let moved = 0;
  let unchanged = 0;
  let notRoutable = 0;
  let approversChanged = 0;
  const replayed = rows.map((a) => {
    // Routed, or neither a flow nor steps of its own (a routed request's flow run or step is the rule's).
    const routable = a.routing !== null || (a.flow_id === null && !a.has_steps);
    const request = { action_type: a.action_type, priority: a.priority, source: a.source, tags: a.tags ?? {}, connection_id: a.connection_id };
    const now = routable ? firstMatch(current, request) : null;
    const next = routable ? firstMatch(candidate, request) : null;
    const isMove = routable && keyOf(now) !== keyOf(next);
    const currentApprovers = routable ? exceptRequester(peopleOf.get(now)!, a.requester) : [];
    const candidateApprovers = routable ? exceptRequester(peopleOf.get(next)!, a.requester) : [];
    const changed = currentApprovers.map((p) => p.user_id).join() !== candidateApprovers.map((p) => p.user_id).join();
    if (!routable) notRoutable++;
    else if (isMove) {
      moved++;
      const k = `${keyOf(now)}→${keyOf(next)}`;
      const t = transitions.get(k) ?? { from: ref(now), to: ref(next), count: 0 };
      t.count++;
      transitions.set(k, t);
    } else {
      unchanged++;
      if (changed) approversChanged++;
    }
    return {
      approval_id: a.id,
      title: a.title,
      action_type: a.action_type,
      priority: a.priority,
      source: a.source,
      created_at: a.created_at.toISOString(),
      routable,
      routed_by: a.routing,
      current: ref(now),
      candidate: ref(next),
      moved: isMove,
      current_approvers: currentApprovers,
      candidate_approvers: candidateApprovers,
      approvers_changed: changed,
    };
  });

  const ordered = [...transitions.values()].sort(
    (x, y) => y.count - x.count || (x.from?.position ?? 0) - (y.from?.position ?? 0) || (x.to?.position ?? 0) - (y.to?.position ?? 0),
  );
  const sentences = [
    `Replayed the latest ${requests(rows.length)}: ${moved} would move to another rule, ${unchanged} would stay with the same one.`,
    ...ordered.map((t) => {
      if (t.from && t.to) return `${requests(t.count)} would move from ${named(t.from)} to ${named(t.to)}.`;
      if (t.from) return `${requests(t.count)} matched by ${named(t.from)} would match nothing (every approver and admin would be asked).`;
      return `${requests(t.count)} that ${t.count === 1 ? 'matches' : 'match'} no rule now would be routed by ${named(t.to!)}.`;
    }),
  ];
  if (approversChanged > 0) sentences.push(`${requests(approversChanged)} would stay with the same rule but ask different people.`);
  if (notRoutable > 0) {
    sentences.push(notRoutable === 1 ? '1 request named its own flow or steps: rules never route it.' : `${notRoutable} requests named their own flow or steps: rules never route them.`);
  }
  return {
    current_version: current.version,
    replayed: rows.length,
    requests: replayed,
    summary: { moved, unchanged, not_routable: notRoutable, approvers_changed: approversChanged, transitions: ordered, sentences },
  };
}
