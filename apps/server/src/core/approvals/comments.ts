import type { Queryable } from '../../storage/database.ts';

/**
 * A comment was added to the request (modules/comments/create-comment.ts): its counter goes up, in
 * the caller's transaction, which holds the request's row lock and inserted the comment.
 */
export async function countComment(tx: Queryable, approvalId: string): Promise<void> {
  await tx.query(`UPDATE approvals SET comments_count = comments_count + 1, updated_at = now() WHERE id = $1`, [approvalId]);
}
