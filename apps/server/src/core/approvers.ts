/**
 * Who is asked to decide: the checks of a step's approvers when they are named (explicit steps, flows),
 * and who a request not stored would ask first (the routing dry run). Who a stored request asks now
 * is core/approvals/rules.ts (askedNow); the rules are storage/functions/greenlight_rules.sql.
 */
import type { Quorum, ReminderPolicy } from '@greenlight/contract';
import type { Queryable } from '../storage/database.ts';

export interface NamedApprovers {
  /** Where the approvers were given, for the error (`steps.0`). */
  path: string;
  user_ids: string[];
  team_ids: string[];
  quorum?: Quorum;
  /** A step of the seed API (`approver_id` or `team_id`) rather than a flow step's `approvers` lists. */
  single?: boolean;
}

export interface ApproverIssue {
  path: string;
  code: 'custom';
  message: string;
}

/**
 * The escalation target of a reminder policy, to be checked as an approver is (a member who may
 * decide, or a team of the org) wherever a policy is set: a flow step, a routing rule, the org default.
 */
export function escalationTarget(path: string, policy: ReminderPolicy | null | undefined): NamedApprovers[] {
  const to = policy?.escalate?.to;
  if (!to || to === 'next_level') return [];
  return [{ path: `${path}.escalate.to`, single: true, user_ids: 'user_id' in to ? [to.user_id] : [], team_ids: 'team_id' in to ? [to.team_id] : [] }];
}

/**
 * What is wrong with named approvers: a person who is not a member of the org or is a viewer, a team
 * of another org or none, a quorum larger than the people asked today. Another org's user or team and an
 * unknown id get the same answer: neither reveals the other.
 */
export async function approverIssues(tx: Queryable, orgId: string, items: NamedApprovers[]): Promise<ApproverIssue[]> {
  const userIds = [...new Set(items.flatMap((i) => i.user_ids))];
  const teamIds = [...new Set(items.flatMap((i) => i.team_ids))];
  const { rows: members } = await tx.query<{ user_id: string; role: 'admin' | 'approver' | 'viewer' }>(
    'SELECT user_id, role FROM memberships WHERE org_id = $1 AND user_id = ANY($2::uuid[])',
    [orgId, userIds],
  );
  const { rows: teams } = await tx.query<{ id: string; people: string[] }>(
    `SELECT t.id, coalesce(array_agg(tm.user_id) FILTER (WHERE m.role <> 'viewer'), '{}') AS people
       FROM teams t LEFT JOIN team_members tm ON tm.team_id = t.id LEFT JOIN memberships m ON m.org_id = t.org_id AND m.user_id = tm.user_id
      WHERE t.org_id = $1 AND t.id = ANY($2::uuid[])
      GROUP BY t.id`,
    [orgId, teamIds],
  );
  const roles = new Map(members.map((m) => [m.user_id, m.role]));
  const people = new Map(teams.map((t) => [t.id, t.people]));
  return items.flatMap((item) => {
    const issues: ApproverIssue[] = [];
    const add = (path: string, message: string) => issues.push({ path, code: 'custom', message });
    item.user_ids.forEach((id, i) => {
      const role = roles.get(id);
      const path = item.single ? `${item.path}.approver_id` : `${item.path}.approvers.user_ids.${i}`;
      if (!role) add(path, `approver_id ${id} is not a member of this organization`);
      else if (role === 'viewer') add(path, `approver_id ${id} is a viewer and cannot approve`);
    });
    item.team_ids.forEach((id, i) => {
      const path = item.single ? `${item.path}.team_id` : `${item.path}.approvers.team_ids.${i}`;
      if (!people.has(id)) add(path, `team_id ${id} is not a team of this organization`);
    });
    if (issues.length === 0 && typeof item.quorum === 'number') {
      const asked = new Set([...item.user_ids, ...item.team_ids.flatMap((t) => people.get(t) ?? [])]);
      if (item.quorum > asked.size) add(`${item.path}.quorum`, `quorum ${item.quorum} is more than the ${asked.size} ${asked.size === 1 ? 'person' : 'people'} this step asks`);
    }
    return issues;
  });
}

/**
 * Who a request would be asked first if its run began with `firstStep` (null: a request without
 * steps), by the rules of greenlight_asked_now: the people the step asks, teams and delegation as they
 * are now (greenlight_step_people), or without steps every approver and admin of the org not away
 * (greenlight_org_deciders); never the requester. For requests not stored that way (the routing dry run): one query for all the steps
 * given, the requester taken out per request by the caller through `exceptRequester`.
 */
export async function peopleAskedFirst(
  db: Queryable,
  orgId: string,
  firstSteps: ({ user_ids: string[]; team_ids: string[] } | null)[],
): Promise<Map<number, { user_id: string; name: string }[]>> {
  const { rows } = await db.query<{ ord: number; user_id: string; name: string }>(
    `SELECT (s.ord - 1)::int AS ord, p.user_id, coalesce(u.name, u.email) AS name
       FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS s (step, ord)
            CROSS JOIN LATERAL greenlight_step_people(jsonb_populate_record(NULL::approval_steps, jsonb_build_object(
              'org_id', $1::uuid, 'approver_ids', s.step -> 'user_ids', 'team_ids', s.step -> 'team_ids'))) AS p (user_id)
            JOIN users u ON u.id = p.user_id
      WHERE s.step <> 'null'::jsonb
     UNION ALL
     SELECT (s.ord - 1)::int, d.user_id, coalesce(u.name, u.email)
       FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS s (step, ord)
            CROSS JOIN LATERAL greenlight_org_deciders($1::uuid) AS d (user_id)
       JOIN users u ON u.id = d.user_id
      WHERE s.step = 'null'::jsonb
     ORDER BY 1, 3, 2`,
    [orgId, JSON.stringify(firstSteps)],
  );
  const people = new Map<number, { user_id: string; name: string }[]>(firstSteps.map((_, i) => [i, []]));
  for (const r of rows) people.get(r.ord)!.push({ user_id: r.user_id, name: r.name });
  return people;
}

/** The people asked, without the requester (who may not approve their own request). */
export const exceptRequester = <P extends { user_id: string }>(people: P[], requesterUserId: string | null): P[] =>
  requesterUserId === null ? people : people.filter((p) => p.user_id !== requesterUserId);
