import type { EscalationTarget } from '@greenlight/contract';
import type { Queryable } from '../../storage/database.ts';
import { recordAudit } from '../audit.ts';
import { appendEvent, SYSTEM_ACTOR } from '../events.ts';

/** Who an escalation adds: a person (still an approver or admin of the org), a team of the org, or the org's admins. */
async function escalationTargets(tx: Queryable, orgId: string, to: EscalationTarget): Promise<{ userIds: string[]; teamIds: string[] }> {
  if (to === 'next_level') {
    const { rows } = await tx.query<{ user_id: string }>(`SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'admin' ORDER BY user_id`, [orgId]);
    return { userIds: rows.map((r) => r.user_id), teamIds: [] };
  }
  if ('user_id' in to) {
    const { rows } = await tx.query(`SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2 AND role IN ('approver', 'admin')`, [orgId, to.user_id]);
    return { userIds: rows.length > 0 ? [to.user_id] : [], teamIds: [] };
  }
  const { rows } = await tx.query('SELECT 1 FROM teams WHERE org_id = $1 AND id = $2', [orgId, to.team_id]);
  return { userIds: [], teamIds: rows.length > 0 ? [to.team_id] : [] };
}

/**
 * An escalation timer fired (jobs/timers.ts, which holds the request share-locked and has checked
 * that it and the step still wait): the policy's target is added to whoever the step asks, so that
 * they may decide it; a `step.escalated` event (which, like a step change, has the newly asked told;
 * with `notify`, by email too) and an audit entry record it. In the caller's transaction. Returns who
 * was added, or null when the request has no such step.
 */
export async function escalateStep(
  tx: Queryable,
  input: { orgId: string; approvalId: string; stepOrder: number; to: EscalationTarget; notify: boolean },
): Promise<{ userIds: string[]; teamIds: string[] } | null> {
  const target = await escalationTargets(tx, input.orgId, input.to);
  const { rows } = await tx.query<{ id: string; added_users: string[]; added_teams: string[] }>(
    `WITH before AS (SELECT id, approver_ids, team_ids FROM approval_steps WHERE approval_id = $1 AND step_order = $2)
     UPDATE approval_steps s
        SET approver_ids = ARRAY(SELECT DISTINCT x FROM unnest(s.approver_ids || $3::uuid[]) AS x),
            team_ids = ARRAY(SELECT DISTINCT x FROM unnest(s.team_ids || $4::uuid[]) AS x)
       FROM before b
      WHERE s.id = b.id
     RETURNING s.id,
       ARRAY(SELECT x FROM unnest($3::uuid[]) AS x WHERE NOT x = ANY (b.approver_ids)) AS added_users,
       ARRAY(SELECT x FROM unnest($4::uuid[]) AS x WHERE NOT x = ANY (b.team_ids)) AS added_teams`,
    [input.approvalId, input.stepOrder, target.userIds, target.teamIds],
  );
  const step = rows[0];
  if (!step) return null;
  const details = { step_order: input.stepOrder, to: input.to, added_user_ids: step.added_users, added_team_ids: step.added_teams };
  if (input.notify) await tx.query(`SELECT set_config('greenlight.notify', 'on', true)`);
  await appendEvent(tx, { orgId: input.orgId, approvalId: input.approvalId, type: 'step.escalated', actor: SYSTEM_ACTOR, data: { step_id: step.id, ...details } });
  await recordAudit(tx, { orgId: input.orgId, actor: { type: 'system', name: 'escalation' }, type: 'approval.escalated', target: { type: 'approval', id: input.approvalId }, details });
  return { userIds: step.added_users, teamIds: step.added_teams };
}
