import type { Queryable } from '../storage/database.ts';
import { approversToAsk } from './approvers.ts';

/** A person asked to decide a request, as notifications address them. */
export interface Asked {
  userId: string;
  email: string;
  name: string | null;
}

/**
 * Whom notifications tell about a pending request: the people `approversToAsk` (core/approvers.ts,
 * the one definition of who is asked) names, with the address to reach them, and only while they are
 * still an approver or admin of the org.
 *
 * The state machine (greenlight_decide.sql) decides who *may* vote; this says whom to tell, which is
 * narrower (an admin with the override may decide any step, but is told only of the steps that are theirs).
 */
export async function whoIsAsked(db: Queryable, approvalId: string): Promise<Asked[]> {
  const ids = await approversToAsk(db, approvalId);
  if (ids.length === 0) return [];
  const { rows } = await db.query<Asked>(
    `SELECT u.id AS "userId", u.email, u.name
       FROM users u
       JOIN approvals a ON a.id = $1
       JOIN memberships m ON m.org_id = a.org_id AND m.user_id = u.id AND m.role IN ('approver', 'admin')
      WHERE u.id = ANY($2::uuid[])
      ORDER BY u.email`,
    [approvalId, ids],
  );
  return rows;
}
