/**
 * Who is told what: each kind of notification names its people here, when it is sent (never earlier:
 * a request's steps may change between the event and the message). Who is asked to decide is the
 * core's one rule (core/who-is-asked.ts, core/approvers.ts); this file only narrows it or names the
 * people of the other kinds.
 */
import type { Queryable } from '../storage/database.ts';
import { whoIsAsked, type Asked } from '../core/who-is-asked.ts';

export { whoApproved, whoIsAsked, type Asked } from '../core/who-is-asked.ts';

/** Whom a reminder of a step reminds: those the request asks now who are of that step (any, for a request without steps) and have not voted on it. */
export async function whoToRemind(tx: Queryable, approvalId: string, stepOrder: number): Promise<Asked[]> {
  const asked = await whoIsAsked(tx, approvalId);
  if (asked.length === 0) return [];
  const { rows: stepPeople } = await tx.query<{ user_id: string }>(
    `SELECT p.user_id FROM approval_steps s, LATERAL greenlight_step_people(s) AS p (user_id) WHERE s.approval_id = $1 AND s.step_order = $2`,
    [approvalId, stepOrder],
  );
  const { rows: voted } = await tx.query<{ voter_user_id: string }>(
    'SELECT voter_user_id FROM approval_votes WHERE approval_id = $1 AND step_order = $2 AND voter_user_id IS NOT NULL',
    [approvalId, stepOrder],
  );
  const ofStep = new Set(stepPeople.map((p) => p.user_id));
  const done = new Set(voted.map((v) => v.voter_user_id));
  return asked.filter((a) => (stepOrder === 0 || ofStep.has(a.userId)) && !done.has(a.userId));
}

/**
 * Who is told that nobody waits for a pending request's answer: the person who asked (signed in, or
 * through their OAuth grant), or the admin who issued the API key that asked, while still a member;
 * when there is none, the org's admins (someone must be able to cancel it). Nobody once the request
 * has left `pending`.
 */
export async function requesterPeople(tx: Queryable, approvalId: string): Promise<Asked[]> {
  const { rows } = await tx.query<Asked>(
    `SELECT u.id AS "userId", u.email, u.name
       FROM approvals a
       LEFT JOIN connections c ON a.requested_by_type = 'connection' AND c.id = a.requested_by_id
       JOIN memberships m ON m.org_id = a.org_id
        AND m.user_id = coalesce(greenlight_requester_person(a.requested_by_type, a.requested_by_id), c.created_by_user_id)
       JOIN users u ON u.id = m.user_id
      WHERE a.id = $1 AND a.status = 'pending'`,
    [approvalId],
  );
  if (rows.length > 0) return rows;
  const { rows: admins } = await tx.query<Asked>(
    `SELECT u.id AS "userId", u.email, u.name FROM approvals a JOIN memberships m ON m.org_id = a.org_id AND m.role = 'admin' JOIN users u ON u.id = m.user_id
      WHERE a.id = $1 AND a.status = 'pending' ORDER BY u.id`,
    [approvalId],
  );
  return admins;
}

/** The member a digest is for, while they are an approver or admin of the org. */
export async function digestReader(tx: Queryable, orgId: string, userId: string | null): Promise<Asked[]> {
  const { rows } = await tx.query<Asked>(
    `SELECT u.id AS "userId", u.email, u.name FROM users u JOIN memberships m ON m.user_id = u.id AND m.org_id = $1 AND m.role IN ('approver', 'admin') WHERE u.id = $2`,
    [orgId, userId],
  );
  return rows;
}
