import type { Queryable } from '../storage/database.ts';

/** A person asked to decide a request, as notifications address them. */
export interface Asked {
  userId: string;
  email: string;
  name: string | null;
}

/**
 * Who is asked to decide a pending request right now — the one definition that notifications
 * (delivery/notifications.ts) follow:
 * - with steps: the approvers of its current step — the lowest pending one when `is_sequential`,
 *   every pending one otherwise;
 * - without steps: every approver and admin of its org.
 * Never the person who asked (four-eyes: they could not approve it), never a viewer or someone no
 * longer a member of the org, nobody once the request has left `pending`.
 *
 * The state machine (greenlight_decide.sql) decides who *may* vote; this says whom to tell, which is
 * narrower (an admin may decide any step, but is told only of the steps that are theirs).
 */
export async function whoIsAsked(db: Queryable, approvalId: string): Promise<Asked[]> {
  const { rows } = await db.query<Asked>(
    `WITH a AS (
       SELECT id, org_id, is_sequential, requested_by_type, requested_by_id
         FROM approvals WHERE id = $1 AND status = 'pending'
     ), pending_steps AS (
       SELECT s.approver_id, s.step_order FROM approval_steps s JOIN a ON s.approval_id = a.id WHERE s.status = 'pending'
     ), has_steps AS (
       SELECT EXISTS (SELECT 1 FROM approval_steps s JOIN a ON s.approval_id = a.id) AS yes
     ), candidates AS (
       SELECT p.approver_id AS user_id FROM pending_steps p, a, has_steps h
        WHERE h.yes AND (NOT a.is_sequential OR p.step_order = (SELECT min(step_order) FROM pending_steps))
       UNION
       SELECT m.user_id FROM memberships m JOIN a ON m.org_id = a.org_id, has_steps h
        WHERE NOT h.yes AND m.role IN ('approver', 'admin')
     )
     SELECT u.id AS "userId", u.email, u.name
       FROM candidates c
       JOIN a ON true
       JOIN memberships m ON m.org_id = a.org_id AND m.user_id = c.user_id AND m.role IN ('approver', 'admin')
       JOIN users u ON u.id = c.user_id
      WHERE NOT (a.requested_by_type = 'user' AND a.requested_by_id = u.id)
      ORDER BY u.email`,
    [approvalId],
  );
  return rows;
}
