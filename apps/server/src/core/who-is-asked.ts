import type { Queryable } from '../storage/database.ts';

/** A person asked to decide a request, as notifications address them. */
export interface Asked {
  userId: string;
  email: string;
  name: string | null;
}

/**
 * Whom notifications tell about a pending request: the people `askedNow` (core/approvals/rules.ts:
 * greenlight_asked_now, the one definition of who is asked) names, with the address to reach them, and only while they are
 * still an approver or admin of the org.
 *
 * The state machine (greenlight_decide.sql) decides who *may* vote; this says whom to tell, which is
 * narrower (an admin with the override may decide any step, but is told only of the steps that are theirs).
 */
export async function whoIsAsked(db: Queryable, approvalId: string): Promise<Asked[]> {
  // askedNow's rule read in the statement that reads the people: one round trip. Prepared: planning
  // the rule's inlined functions costs several times its execution.
  const { rows } = await db.query<Asked>(`${askedNowPeopleSql('$1')} ORDER BY u.email`, [approvalId], { prepare: 'who_is_asked_now' });
  return rows;
}

/**
 * whoIsAsked's statement for the request whose id is the parameter `approvalParam` (`$1`, `$2`…):
 * rows ("userId", email, name), unordered. A statement that needs these people with more (notify/tell.ts:
 * their preferences and the channels' facts) reads them inside itself from here.
 */
export function askedNowPeopleSql(approvalParam: string): string {
  return `SELECT u.id AS "userId", u.email, u.name
       FROM (SELECT DISTINCT x.user_id FROM greenlight_asked_now(${approvalParam}) x) x
       JOIN users u ON u.id = x.user_id
       JOIN approvals a ON a.id = ${approvalParam}
       JOIN memberships m ON m.org_id = a.org_id AND m.user_id = u.id AND m.role IN ('approver', 'admin')`;
}

/**
 * Whom an execution receipt is told: the people who approved the request (a vote, through any of
 * their credentials, or the final decision), still members of the org. An API key that approved has
 * nobody to tell; the requester is told on the request page, as it reported the receipt itself.
 */
export async function whoApproved(db: Queryable, approvalId: string): Promise<Asked[]> {
  const { rows } = await db.query<Asked>(
    `SELECT u.id AS "userId", u.email, u.name
       FROM approvals a
       JOIN users u ON u.id IN (
              SELECT v.voter_user_id FROM approval_votes v WHERE v.approval_id = a.id AND v.voter_user_id IS NOT NULL AND v.decision = 'approve'
              UNION SELECT a.decided_by WHERE a.decided_by_type = 'user' AND a.status = 'approved')
       JOIN memberships m ON m.org_id = a.org_id AND m.user_id = u.id
      WHERE a.id = $1
      ORDER BY u.email`,
    [approvalId],
  );
  return rows;
}
