import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { emergencyStop } from '../../errors.ts';
import { ApiError, notFound } from '../../errors.ts';
import { actorOf, appendEvent, type Caller } from '../../core/events.ts';
import type { Database } from '../../storage/database.ts';
import { countComment } from '../../core/approvals/index.ts';
import { COMMENT_COLUMNS, toComment, type CommentRow } from './serialize-comment.ts';

/**
 * Comments per request (OWASP API4). Reaching it is a conflict with the request's state, not a
 * malformed body: 409 LIMIT_REACHED, so a client knows that retrying the same body cannot help.
 */
export const MAX_COMMENTS_PER_APPROVAL = 1000;

/**
 * Adds a comment, on pending and decided requests alike. One transaction: lock the request row
 * and share-lock the org row (the same statement shape as the decision path, so the two take
 * their locks in one order), refuse under the emergency stop, insert, count, append the event.
 * The share lock makes the stop atomic with the insert: turning the stop on updates the org row
 * and so waits for this transaction, or this transaction sees the stop.
 */
export const createComment: Handler<Routes['createComment']> = async ({ params, body, auth, deps }) => ({
  status: 201,
  body: toComment(await addComment(deps.db, auth, params.id, body.body)),
});

/** The comment itself, by `author` (an API caller, or a member acting through a chat channel). */
export async function addComment(db: Database, author: Caller & { connection?: { id: string } | null }, approvalId: string, text: string): Promise<CommentRow> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ comments_count: number; emergency_stop: boolean }>(
      `SELECT a.comments_count, o.emergency_stop
         FROM approvals a JOIN orgs o ON o.id = a.org_id
        WHERE a.id = $1 AND a.org_id = $2
          FOR UPDATE OF a FOR SHARE OF o`,
      [approvalId, author.org.id],
    );
    const approval = rows[0];
    if (!approval) throw notFound();
    if (approval.emergency_stop) throw emergencyStop();
    if (approval.comments_count >= MAX_COMMENTS_PER_APPROVAL) {
      throw new ApiError('LIMIT_REACHED', `an approval request can have at most ${MAX_COMMENTS_PER_APPROVAL} comments`, {
        limit: MAX_COMMENTS_PER_APPROVAL,
      });
    }

    const actor = actorOf(author);
    // clock_timestamp(), not now(): taken under the row lock, it orders comments of one request
    // by the order their transactions got the lock, which is the order the list shows.
    const inserted = await tx.query<CommentRow>(
      `INSERT INTO comments AS c (approval_id, org_id, author_type, user_id, connection_id, author_name, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())
       RETURNING ${COMMENT_COLUMNS}`,
      [approvalId, author.org.id, author.principal.type, author.principal.type === 'user' ? author.principal.id : null, author.connection?.id ?? null, actor.name, text],
    );
    const row = inserted.rows[0]!;
    await countComment(tx, approvalId);
    await appendEvent(tx, {
      orgId: author.org.id,
      approvalId,
      type: 'comment.created',
      actor,
      data: { comment_id: row.id, body: row.body },
    });
    return row;
  });
}
