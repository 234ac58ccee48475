import { TEAM_LIMITS, type CreateTeamBody, type Team } from '@greenlight/contract';
import { constraintName, sqlState, type Database, type Queryable } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { flowsNamingTeam } from '../flows/flows.ts';
import { rulesNaming } from '../routing/routing-rules.ts';

const UTC = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A team with its members (name, or email when they have none), in the API shape, in one statement. */
const TEAM_SELECT = `
  SELECT t.id, t.name, ${UTC('t.created_at')} AS created_at, ${UTC('t.updated_at')} AS updated_at,
         coalesce((SELECT json_agg(json_build_object('user_id', tm.user_id, 'name', coalesce(u.name, u.email), 'added_at', ${UTC('tm.added_at')})
                                   ORDER BY tm.added_at, tm.user_id)
                     FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE tm.team_id = t.id), '[]'::json) AS members
    FROM teams t`;

export async function listTeams(db: Queryable, orgId: string): Promise<Team[]> {
  return (await db.query<Team>(`${TEAM_SELECT} WHERE t.org_id = $1 ORDER BY lower(t.name), t.id`, [orgId])).rows;
}

export async function getTeam(db: Queryable, orgId: string, teamId: string): Promise<Team | null> {
  return (await db.query<Team>(`${TEAM_SELECT} WHERE t.org_id = $1 AND t.id = $2`, [orgId, teamId])).rows[0] ?? null;
}

const nameTaken = (name: string) => new ApiError('NAME_TAKEN', `a team named "${name}" already exists`, { name });

/** The team's name is unique in the org ignoring case: the unique index says so, under concurrency too. */
export async function uniqueName<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (sqlState(err) === '23505' && constraintName(err) === 'teams_org_name_key') throw nameTaken(name);
    throw err;
  }
}

/** Refuses ids that are not members of the org (400, naming the first); another org's member looks unknown. */
async function assertMembers(tx: Queryable, orgId: string, userIds: string[], path: (i: number) => string): Promise<void> {
  if (userIds.length === 0) return;
  const { rows } = await tx.query<{ user_id: string }>('SELECT user_id FROM memberships WHERE org_id = $1 AND user_id = ANY($2::uuid[])', [orgId, userIds]);
  const known = new Set(rows.map((r) => r.user_id));
  const issues = userIds.flatMap((id, i) => (known.has(id) ? [] : [{ path: path(i), code: 'custom', message: `user ${id} is not a member of this organization` }]));
  if (issues.length > 0) throw new ApiError('VALIDATION_ERROR', `${issues[0]!.path}: ${issues[0]!.message}`, { location: 'body', issues });
}

/** Locks the team row, so membership changes and deletion of one team queue behind each other. */
async function lockTeam(tx: Queryable, orgId: string, teamId: string): Promise<{ id: string; name: string }> {
  const { rows } = await tx.query<{ id: string; name: string }>('SELECT id, name FROM teams WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, teamId]);
  if (!rows[0]) throw notFound('team');
  return rows[0];
}

export async function createTeam(db: Database, orgId: string, body: CreateTeamBody, actor: AuditActor): Promise<Team> {
  return uniqueName(body.name, () => db.transaction((tx) => createTeamIn(tx, orgId, body, actor)));
}

/** {@link createTeam} in the caller's transaction (a name taken fails the transaction with the unique index's error). */
export async function createTeamIn(tx: Queryable, orgId: string, body: CreateTeamBody, actor: AuditActor): Promise<Team> {
  const memberIds = [...new Set(body.member_ids)];
  // The org row is locked so two creates cannot both pass the count.
  await tx.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
  const { rows: counted } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM teams WHERE org_id = $1', [orgId]);
  if (counted[0]!.n >= TEAM_LIMITS.teamsMax) {
    throw new ApiError('LIMIT_REACHED', `an organization has at most ${TEAM_LIMITS.teamsMax} teams`, { limit: TEAM_LIMITS.teamsMax });
  }
  await assertMembers(tx, orgId, memberIds, (i) => `member_ids.${body.member_ids.indexOf(memberIds[i]!)}`);
  const { rows } = await tx.query<{ id: string }>('INSERT INTO teams (org_id, name) VALUES ($1, $2) RETURNING id', [orgId, body.name]);
  const id = rows[0]!.id;
  await tx.query('INSERT INTO team_members (team_id, org_id, user_id) SELECT $1, $2, u FROM unnest($3::uuid[]) AS u', [id, orgId, memberIds]);
  await recordAudit(tx, { orgId, actor, type: 'team.created', target: { type: 'team', id }, details: { name: body.name, member_ids: memberIds } });
  return (await getTeam(tx, orgId, id))!;
}

export async function renameTeam(db: Database, orgId: string, teamId: string, name: string, actor: AuditActor): Promise<Team> {
  return uniqueName(name, () => db.transaction((tx) => renameTeamIn(tx, orgId, teamId, name, actor)));
}

export async function renameTeamIn(tx: Queryable, orgId: string, teamId: string, name: string, actor: AuditActor): Promise<Team> {
  const team = await lockTeam(tx, orgId, teamId);
  await tx.query('UPDATE teams SET name = $2, updated_at = now() WHERE id = $1', [teamId, name]);
  await recordAudit(tx, { orgId, actor, type: 'team.renamed', target: { type: 'team', id: teamId }, details: { from: team.name, to: name } });
  return (await getTeam(tx, orgId, teamId))!;
}

/**
 * What still names a team: the pending steps of pending requests, and the current version of any
 * flow. Deleting it would leave them waiting on nobody, so the deletion is refused while any does.
 */
async function usesOf(tx: Queryable, orgId: string, teamId: string): Promise<{ approvals: string[]; flows: string[]; routing_rules: string[] }> {
  const { rows: approvals } = await tx.query<{ id: string }>(
    `SELECT DISTINCT a.id FROM approval_steps s JOIN approvals a ON a.id = s.approval_id
      WHERE s.org_id = $1 AND $2 = ANY (s.team_ids) AND s.status = 'pending' AND a.status = 'pending'
      ORDER BY a.id LIMIT 20`,
    [orgId, teamId],
  );
  return { approvals: approvals.map((r) => r.id), flows: await flowsNamingTeam(tx, orgId, teamId), routing_rules: await rulesNaming(tx, orgId, { teamId }) };
}


export async function deleteTeam(db: Database, orgId: string, teamId: string, actor: AuditActor): Promise<Team> {
  return db.transaction((tx) => deleteTeamIn(tx, orgId, teamId, actor));
}

export async function deleteTeamIn(tx: Queryable, orgId: string, teamId: string, actor: AuditActor): Promise<Team> {
  // The org row too: a routing rule set saved concurrently either sees the deletion or is seen here.
  await tx.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
  await lockTeam(tx, orgId, teamId);
  const uses = await usesOf(tx, orgId, teamId);
  if (uses.approvals.length > 0 || uses.flows.length > 0 || uses.routing_rules.length > 0) {
    throw new ApiError('IN_USE', 'the team is named by pending requests, flows or routing rules: change them first', {
      approval_ids: uses.approvals,
      flow_ids: uses.flows,
      routing_rule_ids: uses.routing_rules,
    });
  }
  const team = (await getTeam(tx, orgId, teamId))!;
  await tx.query('DELETE FROM teams WHERE id = $1', [teamId]);
  await recordAudit(tx, { orgId, actor, type: 'team.deleted', target: { type: 'team', id: teamId }, details: { name: team.name, member_ids: team.members.map((m) => m.user_id) } });
  return team;
}

export async function addTeamMember(db: Database, orgId: string, teamId: string, userId: string, actor: AuditActor): Promise<Team> {
  return db.transaction(async (tx) => {
    if (!(await addTeamMemberIn(tx, orgId, teamId, userId, actor))) throw new ApiError('ALREADY_MEMBER', 'this person is already in the team');
    return (await getTeam(tx, orgId, teamId))!;
  });
}

/** Adds a member of the org to a team in the caller's transaction; false when they are in it already. */
export async function addTeamMemberIn(tx: Queryable, orgId: string, teamId: string, userId: string, actor: AuditActor): Promise<boolean> {
  await lockTeam(tx, orgId, teamId);
  await assertMembers(tx, orgId, [userId], () => 'user_id');
  const added = await tx.query('INSERT INTO team_members (team_id, org_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [teamId, orgId, userId]);
  if (added.rowCount === 0) return false;
  await tx.query('UPDATE teams SET updated_at = now() WHERE id = $1', [teamId]);
  await recordAudit(tx, { orgId, actor, type: 'team.member_added', target: { type: 'team', id: teamId }, details: { user_id: userId } });
  return true;
}

export async function removeTeamMember(db: Database, orgId: string, teamId: string, userId: string, actor: AuditActor): Promise<Team> {
  return db.transaction(async (tx) => {
    if (!(await removeTeamMemberIn(tx, orgId, teamId, userId, actor))) throw notFound('team member');
    return (await getTeam(tx, orgId, teamId))!;
  });
}

/** Takes a person out of a team in the caller's transaction; false when they were not in it. */
export async function removeTeamMemberIn(tx: Queryable, orgId: string, teamId: string, userId: string, actor: AuditActor): Promise<boolean> {
  await lockTeam(tx, orgId, teamId);
  const removed = await tx.query('DELETE FROM team_members WHERE team_id = $1 AND user_id = $2', [teamId, userId]);
  if (removed.rowCount === 0) return false;
  await tx.query('UPDATE teams SET updated_at = now() WHERE id = $1', [teamId]);
  await recordAudit(tx, { orgId, actor, type: 'team.member_removed', target: { type: 'team', id: teamId }, details: { user_id: userId } });
  return true;
}
