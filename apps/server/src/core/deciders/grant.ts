/**
 * Standing grants as a decider: a person's "and the same for the next hour / N times / this agent
 * session", given with an approval (modules/approvals/decide-approval.ts gives them, modules/grants
 * lists and revokes them; docs/grants.md says it for users).
 *
 * At create, after the policies (a policy that decides wins: a forbid rejects, a permit approves first),
 * a live grant to the connection that asks approves the request when all of these hold, checked in the
 * create's own transaction:
 * - the request matches it: its action type glob, its agent session when it has one, each chosen field
 *   (an exact value or a glob);
 * - the request is not of a class that never goes without a person (the policy set's own check);
 * - its giver could approve this very request alone now: still a member with a role that decides, not
 *   its requester's person, asked by it or allowed to decide it (greenlight_viewer_can, the one rule the
 *   dashboard shows and a vote obeys), and one approval completes it (required_approvals 1, no step
 *   needing more than one person): a grant never exceeds what its giver could decide;
 * - the request asks for no answer (`response_schema`): a grant cannot know the next answer;
 * - a use is left: one conditional UPDATE (`uses < max_uses`, not revoked, not expired) takes it, so under
 *   concurrency the uses never pass `max_uses` (READ COMMITTED re-checks the condition on the row a
 *   concurrent use committed), and a create rolled back gives its use back.
 *
 * Nothing of grants is cached: each create reads them from the database, and the use is taken by a
 * statement that checks the grant is still live, so a revocation committed on any replica stops the
 * next create everywhere at once. The read comes before the create (a request no grant matches is
 * created in the usual batch, deciding nothing); a request with candidates is created in the batch
 * of its moment too, and its use taken in that batch's transaction (core/approvals/auto-decide.ts).
 */
import type { DecidedByGrant, Grant, GiveGrant } from '@greenlight/contract';
import { stepUpCovers } from '../approvals/step-up.ts';
import type { Queryable } from '../../storage/database.ts';
import type { ApprovalRow } from '../approval-record.ts';
import type { AutoDecision, InTransactionDecider } from '../approvals/index.ts';
import { compileGlob } from '../routing.ts';

/** What a grant reads of a new request. */
export interface GrantRequest {
  title: string;
  action_type: string | null;
  source: string | null;
  priority: string;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
  resource: { type: string; id: string; name?: string | undefined } | null;
}

export interface GrantRow {
  id: string;
  org_id: string;
  given_by: string;
  given_by_name: string;
  given_on: string;
  connection_id: string;
  connection_name: string;
  agent_session: string | null;
  action_type: string;
  fields: Record<string, string>;
  created_at: Date;
  expires_at: Date;
  max_uses: number | null;
  uses: number;
  revoked_at: Date | null;
  revoked_by_type: 'user' | 'connection' | null;
  revoked_by_id: string | null;
  revoked_by_name: string | null;
}

/** The agent session of a request, as policies read it: `metadata.session_id`, else `metadata.run_id`. */
export function agentSessionOf(metadata: Record<string, unknown>): string | null {
  const v = [metadata.session_id, metadata.run_id].find((x) => typeof x === 'string' && x !== '');
  return (v as string | undefined) ?? null;
}

/** A value as a field is matched: strings as they are, anything else as its JSON text (as policies' tags). */
const asText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v));

/** The value of one of GRANT_FIELD_PATTERN's fields in a request; null when it has none. */
export function fieldOf(r: GrantRequest, path: string): string | null {
  if (path === 'source') return r.source;
  if (path === 'priority') return r.priority;
  if (path === 'title') return r.title;
  if (path === 'resource.type') return r.resource?.type ?? null;
  if (path === 'resource.id') return r.resource?.id ?? null;
  if (path.startsWith('tags.')) return r.tags[path.slice('tags.'.length)] ?? null;
  if (path.startsWith('metadata.')) return asText(r.metadata[path.slice('metadata.'.length)]);
  return null;
}

/** Whether a request matches a grant's scope (not its bounds, which the claim checks). A malformed stored glob matches nothing. */
export function grantMatches(g: Pick<GrantRow, 'action_type' | 'agent_session' | 'fields'>, r: GrantRequest): boolean {
  try {
    if (r.action_type === null || !compileGlob(g.action_type)(r.action_type)) return false;
    if (g.agent_session !== null && agentSessionOf(r.metadata) !== g.agent_session) return false;
    for (const [path, pattern] of Object.entries(g.fields)) {
      const value = fieldOf(r, path);
      if (value === null || !compileGlob(pattern)(value)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** A grant row as GrantRow reads it, from `from` (a relation or subquery named g). */
const grantSelect = (from = 'grants g') => `
SELECT g.id, g.org_id, g.given_by, coalesce(u.name, u.email) AS given_by_name, g.given_on, g.connection_id, c.name AS connection_name,
       g.agent_session, g.action_type, g.fields, g.created_at, g.expires_at, g.max_uses, g.uses, g.revoked_at, g.revoked_by_type,
       g.revoked_by_id,
       CASE g.revoked_by_type WHEN 'user' THEN (SELECT coalesce(ru.name, ru.email) FROM users ru WHERE ru.id = g.revoked_by_id)
                              WHEN 'connection' THEN (SELECT rc.name FROM connections rc WHERE rc.id = g.revoked_by_id) END AS revoked_by_name
  FROM ${from} JOIN users u ON u.id = g.given_by JOIN connections c ON c.id = g.connection_id`;
const GRANT_SELECT = grantSelect();

/** The condition "the grant `g` still decides": not revoked, not expired (database clock), a use left. */
export const LIVE_SQL = `g.revoked_at IS NULL AND g.expires_at > now() AND (g.max_uses IS NULL OR g.uses < g.max_uses)`;

/** Every prefix of a value, the empty one and the whole value included. */
const prefixesOf = (value: string): string[] => Array.from({ length: value.length + 1 }, (_, i) => value.slice(0, i));

/**
 * The live grants to a connection that may match a request of this action type and agent session,
 * oldest first (the first that applies is used): those whose glob's literal prefix (`action_prefix`)
 * begins the action type, so a create reads the few grants that can apply, not all of them. One index
 * probe per prefix of the action type (grants_live_match_idx): an equality on each, in a subquery the
 * planner cannot merge, so no plan reads the connection's other grants whatever the statistics say.
 * The glob itself and the fields are matched after (grantMatches).
 */
export async function liveGrantsFor(db: Queryable, orgId: string, connectionId: string, actionType: string, agentSession: string | null): Promise<GrantRow[]> {
  const { rows } = await db.query<GrantRow>(
    `${grantSelect(`unnest($3::text[]) AS p(prefix)
       CROSS JOIN LATERAL (SELECT g.* FROM grants g
                            WHERE g.org_id = $1 AND g.connection_id = $2 AND g.action_prefix = p.prefix
                              AND (g.agent_session IS NULL OR g.agent_session = $4) AND ${LIVE_SQL}
                           OFFSET 0) g`)}
      ORDER BY g.created_at, g.id`,
    [orgId, connectionId, prefixesOf(actionType), agentSession],
  );
  return rows;
}

/**
 * Takes one use of a grant for a request just written in the same transaction, if the grant still
 * decides and its giver could approve that request alone now; null otherwise. One statement: the row
 * lock it takes queues concurrent uses of the same grant, each re-checking the condition after the one
 * before commits.
 */
async function claimUse(tx: Queryable, g: GrantRow, approvalId: string): Promise<DecidedByGrant | null> {
  const { rows } = await tx.query<{ uses: number; max_uses: number | null; expires_at: Date }>(
    `UPDATE grants g SET uses = g.uses + 1
      WHERE g.id = $1 AND ${LIVE_SQL}
        AND EXISTS (SELECT 1 FROM memberships m
                     WHERE m.org_id = g.org_id AND m.user_id = g.given_by AND m.role IN ('approver', 'admin')
                       AND (greenlight_viewer_can($2, 'user', g.given_by, g.given_by, m.role) -> 'decide' -> 'approve' ->> 'allowed')::boolean)
        AND EXISTS (SELECT 1 FROM approvals a WHERE a.id = $2 AND a.org_id = g.org_id AND a.required_approvals = 1)
        AND NOT EXISTS (SELECT 1 FROM approval_steps s WHERE s.approval_id = $2 AND s.quorum IS DISTINCT FROM 1)
      RETURNING g.uses, g.max_uses, g.expires_at`,
    [g.id, approvalId],
  );
  const r = rows[0];
  if (!r) return null;
  return { id: g.id, given_by: { id: g.given_by, name: g.given_by_name }, use: r.uses, max_uses: r.max_uses, expires_at: r.expires_at.toISOString() };
}

/**
 * The live grants to the connection that match a new request, oldest first: read before the create,
 * by index (liveGrantsFor), so that a request no grant can decide is created as any other and one
 * that a grant may decide carries only these to its create's transaction. None when the request is of
 * a class that never goes without a person (`needsPerson`) or has no action type, and none when the
 * org requires a fresh passkey step-up to decide requests like it (core/approvals/step-up.ts): a grant
 * is a person's approval given earlier, without that step-up for this request. Whether each is still
 * live is checked again when its use is taken (claimUse), in that transaction.
 */
export async function grantCandidates(db: Queryable, orgId: string, connectionId: string, request: GrantRequest, needsPerson: boolean): Promise<GrantRow[]> {
  if (needsPerson || request.action_type === null) return [];
  const live = await liveGrantsFor(db, orgId, connectionId, request.action_type, agentSessionOf(request.metadata));
  const matching = live.filter((g) => grantMatches(g, request));
  if (matching.length === 0) return matching;
  const { rows } = await db.query<{ priorities: string[]; action_types: string[] }>(
    'SELECT step_up_priorities AS priorities, step_up_action_types AS action_types FROM orgs WHERE id = $1',
    [orgId],
  );
  // Unknown org: nothing may decide for it.
  if (!rows[0] || stepUpCovers(rows[0], { priority: request.priority, action_type: request.action_type })) return [];
  return matching;
}

/**
 * The grants' decision about a new request, made in its create transaction (see the top): the first
 * of its candidates (grantCandidates) whose use it can take approves it; none: people are asked.
 */
export function grantDecider(candidates: GrantRow[]): InTransactionDecider {
  return async (tx, created: ApprovalRow): Promise<AutoDecision | null> => {
    // A grant is its giver's consent to the next request like the one they approved, not their answer
    // to it: a request that asks for an answer goes to people (its use is not taken). Editable fields
    // alone do not stop it: approved as asked, nothing edited.
    if (created.response_schema !== null) return null;
    for (const g of candidates) {
      const use = await claimUse(tx, g, created.id);
      if (use) return { decision: 'approve', grant: use };
    }
    return null;
  };
}

// ——— giving, listing, revoking ———————————————————————————————————————————————————————————————————————————

/** Who asks to see or revoke grants. */
export interface GrantViewer {
  principal: { type: 'connection' | 'user'; id: string };
  user: { id: string; role: 'admin' | 'approver' | 'viewer' } | null;
  scopes: readonly string[];
}

/**
 * The condition "the viewer may see and revoke grant `g`" ($1 principal type, $2 principal id, $3 the
 * person or null, $4 their role or null): an admin any; a person those they gave and those to a
 * connection they own (their OAuth grant, an API key they created); a connection those to itself.
 */
const MINE_SQL = `(
  $4::text = 'admin'
  OR g.given_by = $3::uuid
  OR ($1::text = 'connection' AND g.connection_id = $2::uuid)
  OR EXISTS (SELECT 1 FROM connections gc WHERE gc.id = g.connection_id AND coalesce(gc.user_id, gc.created_by_user_id) = $3::uuid))`;

const viewerParams = (v: GrantViewer) => [v.principal.type, v.principal.id, v.user?.id ?? null, v.user?.role ?? null];

/** A grant as the API shows it to a viewer who may see it. */
export function toGrant(g: GrantRow, viewer: GrantViewer): Grant {
  const now = Date.now();
  const active = g.revoked_at === null && g.expires_at.getTime() > now && (g.max_uses === null || g.uses < g.max_uses);
  const revoke =
    g.revoked_at !== null
      ? { allowed: false, reason: 'Already revoked' }
      : viewer.scopes.includes('approvals:write')
        ? { allowed: true }
        : { allowed: false, reason: 'This credential lacks the approvals:write scope' };
  return {
    id: g.id,
    given_by: { id: g.given_by, name: g.given_by_name },
    given_on: g.given_on,
    connection: { id: g.connection_id, name: g.connection_name },
    agent_session: g.agent_session,
    action_type: g.action_type,
    fields: g.fields,
    created_at: g.created_at.toISOString(),
    expires_at: g.expires_at.toISOString(),
    max_uses: g.max_uses,
    uses: g.uses,
    revoked_at: g.revoked_at?.toISOString() ?? null,
    revoked_by: g.revoked_by_type ? { type: g.revoked_by_type, id: g.revoked_by_id, name: g.revoked_by_name } : null,
    active,
    viewer_can: { revoke },
  };
}

/** The grants a viewer may see, newest first: the live ones, or all. */
/** Which grants `GET /grants?status=` lists, as conditions on `g`. */
const STATUS_SQL: Record<GrantStatusFilter, string> = {
  active: LIVE_SQL,
  revoked: 'g.revoked_at IS NOT NULL',
  expired: 'g.revoked_at IS NULL AND g.expires_at <= now()',
  used_up: 'g.revoked_at IS NULL AND g.expires_at > now() AND g.max_uses IS NOT NULL AND g.uses >= g.max_uses',
  all: 'true',
};
export type GrantStatusFilter = 'active' | 'revoked' | 'expired' | 'used_up' | 'all';

/**
 * A page of the grants the viewer may see, newest first (`created_at`, then id, both descending), from
 * after the grant `after` (a cursor: a grant of this org; null when it is not one, and the caller refuses
 * it). Keyset order on values that never change, so pages neither skip nor repeat while grants are given.
 */
export async function listGrants(
  db: Queryable,
  orgId: string,
  viewer: GrantViewer,
  filter: { status: GrantStatusFilter; givenBy: string | null; after: string | null; limit: number },
): Promise<GrantRow[] | null> {
  if (filter.after !== null) {
    const { rows } = await db.query('SELECT 1 FROM grants WHERE id = $1 AND org_id = $2', [filter.after, orgId]);
    if (rows.length === 0) return null;
  }
  const { rows } = await db.query<GrantRow>(
    `${GRANT_SELECT} WHERE g.org_id = $5 AND ${MINE_SQL} AND ${STATUS_SQL[filter.status]}
        AND ($6::uuid IS NULL OR g.given_by = $6::uuid)
        AND ($7::uuid IS NULL OR (g.created_at, g.id) < (SELECT k.created_at, k.id FROM grants k WHERE k.id = $7::uuid))
      ORDER BY g.created_at DESC, g.id DESC LIMIT $8`,
    [...viewerParams(viewer), orgId, filter.givenBy, filter.after, filter.limit],
  );
  return rows;
}

/**
 * How many requests each grant the viewer may see approved since `since` (the stored decisions'
 * `decided_by_grant`), most first.
 */
export async function grantDecisionCounts(db: Queryable, orgId: string, viewer: GrantViewer, since: Date): Promise<(GrantRow & { approved: number })[]> {
  const { rows } = await db.query<GrantRow & { approved: string }>(
    `WITH counted AS (
       SELECT (a.decided_by_grant ->> 'id')::uuid AS grant_id, count(*) AS approved
         FROM approvals a
        WHERE a.org_id = $5 AND a.decided_by_type = 'grant' AND a.decided_at >= $6
        GROUP BY 1)
     ${GRANT_SELECT.replace('FROM grants g', ', n.approved FROM counted n JOIN grants g ON g.id = n.grant_id')}
      WHERE g.org_id = $5 AND ${MINE_SQL}
      ORDER BY n.approved DESC, g.created_at DESC, g.id`,
    [...viewerParams(viewer), orgId, since],
  );
  return rows.map((r) => ({ ...r, approved: Number(r.approved) }));
}

/** One grant the viewer may see, locked for a change; null when there is none (or it is not theirs to see). */
export async function lockGrant(tx: Queryable, orgId: string, viewer: GrantViewer, id: string): Promise<GrantRow | null> {
  const { rows: locked } = await tx.query(`SELECT 1 FROM grants g WHERE g.id = $5 AND g.org_id = $6 AND ${MINE_SQL} FOR UPDATE`, [...viewerParams(viewer), id, orgId]);
  if (locked.length === 0) return null;
  return grantById(tx, id);
}

export async function grantById(db: Queryable, id: string): Promise<GrantRow> {
  const { rows } = await db.query<GrantRow>(`${GRANT_SELECT} WHERE g.id = $1`, [id]);
  return rows[0]!;
}

/** Marks a locked grant revoked: no create decided after this commits uses it. */
export async function markRevoked(tx: Queryable, id: string, by: { type: 'user' | 'connection'; id: string }): Promise<void> {
  await tx.query(`UPDATE grants SET revoked_at = now(), revoked_by_type = $2, revoked_by_id = $3 WHERE id = $1 AND revoked_at IS NULL`, [id, by.type, by.id]);
}

/** A new grant's row, given by `givenBy` on the approval of `approval` (its checks are the caller's: modules/approvals). */
export async function insertGrant(
  tx: Queryable,
  g: { id: string; orgId: string; givenBy: string; approval: Pick<ApprovalRow, 'id' | 'connection_id'>; agentSession: string | null; actionType: string; input: GiveGrant },
): Promise<GrantRow> {
  await tx.query(
    `INSERT INTO grants (id, org_id, given_by, given_on, connection_id, agent_session, action_type, fields, expires_at, max_uses)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, now() + make_interval(secs => $9), $10)`,
    [g.id, g.orgId, g.givenBy, g.approval.id, g.approval.connection_id, g.agentSession, g.actionType, JSON.stringify(g.input.fields ?? {}), g.input.expires_in_seconds, g.input.max_uses ?? null],
  );
  return grantById(tx, g.id);
}

/**
 * Revokes every live grant a person gave in an org (they were removed from it): what they consented to
 * goes with them. The create-time check (still a member) would refuse them anyway; this makes the
 * list say so. Answers how many.
 */
export async function revokeGrantsGivenBy(tx: Queryable, orgId: string, userId: string, by: { type: 'user' | 'connection'; id: string } | null): Promise<number> {
  const { rows } = await tx.query(
    `UPDATE grants SET revoked_at = now(), revoked_by_type = $3, revoked_by_id = $4
      WHERE org_id = $1 AND given_by = $2 AND revoked_at IS NULL RETURNING id`,
    [orgId, userId, by?.type ?? null, by?.id ?? null],
  );
  return rows.length;
}
