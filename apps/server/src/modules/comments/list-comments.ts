import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { notFound } from '../../errors.ts';
import { COMMENT_COLUMNS, toComment, type CommentRow } from './serialize-comment.ts';
import { MAX_COMMENTS_PER_APPROVAL } from './add-comment.ts';

/**
 * Oldest first. Not paginated: a request holds at most MAX_COMMENTS_PER_APPROVAL comments.
 * Another org's request answers exactly like an unknown one.
 */
export const listComments: Handler<Routes['listComments']> = async ({ params, auth, deps }) => {
  const approval = await deps.db.query('SELECT 1 FROM approvals WHERE id = $1 AND org_id = $2', [params.id, auth.org.id]);
  if (approval.rows.length === 0) throw notFound();
  const { rows } = await deps.db.query<CommentRow>(
    `SELECT ${COMMENT_COLUMNS} FROM comments c
      WHERE c.approval_id = $1 AND c.org_id = $2
      ORDER BY c.created_at, c.id
      LIMIT $3`,
    [params.id, auth.org.id, MAX_COMMENTS_PER_APPROVAL],
  );
  return { status: 200, body: { data: rows.map(toComment) } };
};
