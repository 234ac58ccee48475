import { z } from 'zod';
import { SCIM_BASE_PATH, SCIM_SCHEMAS, TEAM_LIMITS, type Team } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { ApiError } from '../../errors.ts';
import { addTeamMemberIn, createTeamIn, deleteTeamIn, getTeam, listTeams, removeTeamMemberIn, renameTeamIn } from '../teams/teams.ts';
import { scimError, scimNotFound } from './errors.ts';
import { applyPatch, invalidBody, isUuid, listResponse, SCIM_ACTOR, uniquely } from './resources.ts';
import type { ScimCaller } from './tokens.ts';

/**
 * SCIM Groups (RFC 7643 §4.2) are the org's teams: every team is a Group, and a Group the identity
 * provider creates is a team. Membership goes through the teams module (modules/teams/teams.ts),
 * each change audited there; scim_groups keeps only the IdP's externalId.
 */

async function externalIds(db: Queryable, orgId: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ team_id: string; external_id: string }>(
    'SELECT team_id, external_id FROM scim_groups WHERE org_id = $1 AND external_id IS NOT NULL',
    [orgId],
  );
  return new Map(rows.map((r) => [r.team_id, r.external_id]));
}

function toScimGroup(t: Team, externalId: string | undefined, publicUrl: string): Record<string, unknown> {
  return {
    schemas: [SCIM_SCHEMAS.group],
    id: t.id,
    ...(externalId !== undefined ? { externalId } : {}),
    displayName: t.name,
    members: t.members.map((m) => ({ value: m.user_id, display: m.name, $ref: `${publicUrl}${SCIM_BASE_PATH}/Users/${m.user_id}` })),
    meta: { resourceType: 'Group', created: t.created_at, lastModified: t.updated_at, location: `${publicUrl}${SCIM_BASE_PATH}/Groups/${t.id}` },
  };
}

async function groupOf(db: Queryable, orgId: string, groupId: string, publicUrl: string): Promise<Record<string, unknown> | null> {
  if (!isUuid(groupId)) return null;
  const team = await getTeam(db, orgId, groupId);
  if (!team) return null;
  return toScimGroup(team, (await externalIds(db, orgId)).get(team.id), publicUrl);
}

export async function getScimGroup(db: Queryable, caller: ScimCaller, groupId: string, publicUrl: string): Promise<Record<string, unknown>> {
  const group = await groupOf(db, caller.orgId, groupId, publicUrl);
  if (!group) throw scimNotFound('Group', groupId);
  return group;
}

export async function listScimGroups(db: Queryable, caller: ScimCaller, query: unknown, publicUrl: string) {
  const ids = await externalIds(db, caller.orgId);
  const teams = await listTeams(db, caller.orgId);
  return listResponse(
    teams.map((t) => toScimGroup(t, ids.get(t.id), publicUrl)),
    query,
    SCIM_SCHEMAS.listResponse,
  );
}

const ScimGroupInput = z.object({
  displayName: z.string().trim().min(1).max(TEAM_LIMITS.nameMax),
  externalId: z.string().trim().max(255).nullish(),
  members: z
    .array(z.object({ value: z.string().max(100) }))
    .max(TEAM_LIMITS.membersMax)
    .nullish(),
});

function groupInput(body: unknown) {
  const parsed = ScimGroupInput.safeParse(body);
  if (!parsed.success) throw invalidBody(parsed.error);
  return { displayName: parsed.data.displayName, externalId: parsed.data.externalId || null, members: [...new Set((parsed.data.members ?? []).map((m) => m.value))] };
}

/**
 * Of the ids a Group names: the members of the org (who can be in a team), and those the identity
 * provider deactivated (known, but with no membership: left out until they are active again). Any
 * other id is refused, as the teams module would: 400, naming it.
 */
async function splitMembers(tx: Queryable, orgId: string, ids: string[]): Promise<string[]> {
  const bad = ids.find((id) => !isUuid(id));
  if (bad !== undefined) throw scimError(400, 'invalidValue', `members: ${bad} is not a User of this organization`);
  const { rows } = await tx.query<{ user_id: string; member: boolean }>(
    `SELECT u AS user_id, EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = $1 AND m.user_id = u) AS member
       FROM unnest($2::uuid[]) AS u
      WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = $1 AND m.user_id = u)
         OR EXISTS (SELECT 1 FROM scim_users s WHERE s.org_id = $1 AND s.user_id = u)`,
    [orgId, ids],
  );
  const known = new Set(rows.map((r) => r.user_id));
  const unknown = ids.find((id) => !known.has(id));
  if (unknown !== undefined) throw scimError(400, 'invalidValue', `members: ${unknown} is not a User of this organization`);
  return rows.filter((r) => r.member).map((r) => r.user_id);
}

async function saveExternalId(tx: Queryable, orgId: string, teamId: string, externalId: string | null): Promise<void> {
  await tx.query(
    `INSERT INTO scim_groups (team_id, org_id, external_id) VALUES ($1, $2, $3)
     ON CONFLICT (team_id) DO UPDATE SET external_id = EXCLUDED.external_id`,
    [teamId, orgId, externalId],
  );
}

/** The teams module's refusals, in SCIM's terms. */
async function refusals<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await uniquely(fn);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NAME_TAKEN') throw scimError(409, 'uniqueness', 'displayName is already in use');
    if (err instanceof ApiError && err.code === 'LIMIT_REACHED') throw scimError(400, 'invalidValue', err.message);
    if (err instanceof ApiError && err.code === 'IN_USE') throw scimError(409, null, err.message);
    throw err;
  }
}

export async function createScimGroup(db: Database, caller: ScimCaller, body: unknown, publicUrl: string): Promise<Record<string, unknown>> {
  const g = groupInput(body);
  const { orgId } = caller;
  return refusals(() =>
    db.transaction(async (tx) => {
      const taken = await tx.query('SELECT 1 FROM teams WHERE org_id = $1 AND lower(name) = lower($2)', [orgId, g.displayName]);
      if (taken.rows.length > 0) throw scimError(409, 'uniqueness', 'displayName is already in use');
      const memberIds = await splitMembers(tx, orgId, g.members);
      const team = await createTeamIn(tx, orgId, { name: g.displayName, member_ids: memberIds }, SCIM_ACTOR);
      await saveExternalId(tx, orgId, team.id, g.externalId);
      return (await groupOf(tx, orgId, team.id, publicUrl))!;
    }),
  );
}

/**
 * PUT /Groups/{id}, and PATCH: the team's name and members become what the body says, one audited
 * change each. The team row is locked before the Group is read, so concurrent PATCHes of one Group
 * (Entra sends member changes in parallel) apply one after the other and none is lost.
 */
async function changeGroup(db: Database, caller: ScimCaller, groupId: string, publicUrl: string, next: (current: Record<string, unknown>) => unknown): Promise<Record<string, unknown>> {
  const { orgId } = caller;
  return refusals(() =>
    db.transaction(async (tx) => {
      if (isUuid(groupId)) await tx.query('SELECT 1 FROM teams WHERE org_id = $1 AND id = $2 FOR UPDATE', [orgId, groupId]);
      const team = isUuid(groupId) ? await getTeam(tx, orgId, groupId) : null;
      if (!team) throw scimNotFound('Group', groupId);
      const g = groupInput(next(toScimGroup(team, (await externalIds(tx, orgId)).get(team.id), publicUrl)));
      if (team.name !== g.displayName) {
        const taken = await tx.query('SELECT 1 FROM teams WHERE org_id = $1 AND lower(name) = lower($2) AND id <> $3', [orgId, g.displayName, team.id]);
        if (taken.rows.length > 0) throw scimError(409, 'uniqueness', 'displayName is already in use');
        await renameTeamIn(tx, orgId, team.id, g.displayName, SCIM_ACTOR);
      }
      const wanted = new Set(await splitMembers(tx, orgId, g.members));
      const present = new Set(team.members.map((m) => m.user_id));
      for (const id of present) if (!wanted.has(id)) await removeTeamMemberIn(tx, orgId, team.id, id, SCIM_ACTOR);
      for (const id of wanted) if (!present.has(id)) await addTeamMemberIn(tx, orgId, team.id, id, SCIM_ACTOR);
      await saveExternalId(tx, orgId, team.id, g.externalId);
      return (await groupOf(tx, orgId, team.id, publicUrl))!;
    }),
  );
}

export const replaceScimGroup = (db: Database, caller: ScimCaller, groupId: string, body: unknown, publicUrl: string) =>
  changeGroup(db, caller, groupId, publicUrl, () => body);

/** PATCH /Groups/{id}: Entra's and Okta's member adds and removes (`members[value eq "…"]`), a rename, applied to the Group as it is. */
export const patchScimGroup = (db: Database, caller: ScimCaller, groupId: string, body: unknown, publicUrl: string) =>
  changeGroup(db, caller, groupId, publicUrl, (current) =>
    // Members compared by id alone: Entra removes `{ $ref: null, value }`, Okta adds `{ value, display }`,
    // and the patch library matches a removed value by the whole object.
    applyPatch({ ...current, members: (current.members as { value: string }[]).map((m) => ({ value: m.value })) }, bareMemberValues(body)),
  );

function bareMemberValues(body: unknown): unknown {
  const ops = (body as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(ops)) return body;
  return {
    ...(body as object),
    Operations: ops.map((op: unknown) => {
      if (op === null || typeof op !== 'object') return op;
      const o = op as { path?: unknown; value?: unknown };
      if (typeof o.path !== 'string' || o.path.toLowerCase() !== 'members' || !Array.isArray(o.value)) return op;
      return { ...o, value: o.value.map((m: unknown) => (m !== null && typeof m === 'object' && 'value' in m ? { value: (m as { value: unknown }).value } : m)) };
    }),
  };
}

export async function deleteScimGroup(db: Database, caller: ScimCaller, groupId: string): Promise<void> {
  const { orgId } = caller;
  await refusals(() =>
    db.transaction(async (tx) => {
      const team = isUuid(groupId) ? await getTeam(tx, orgId, groupId) : null;
      if (!team) throw scimNotFound('Group', groupId);
      await deleteTeamIn(tx, orgId, team.id, SCIM_ACTOR);
    }),
  );
}
