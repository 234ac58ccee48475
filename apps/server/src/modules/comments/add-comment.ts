import type { Database } from '../../storage/database.ts';
import { emergencyStop } from '../../errors.ts';
import { ApiError, notFound } from '../../errors.ts';
import { actorOf, appendEvent, type Caller } from '../../core/events.ts';
import { countComment } from '../../core/approvals/index.ts';
import { CHANGE_LOCK } from '../../core/approval-record.ts';
import { COMMENT_COLUMNS, type CommentRow } from './serialize-comment.ts';

/**
 * Comments per request (OWASP API4). Reaching it is a conflict with the request's state, not a
 * malformed body: 409 LIMIT_REACHED, so a client knows that retrying the same body cannot help.
 */
export const MAX_COMMENTS_PER_APPROVAL = 1000;

/**
 * Adds a comment, on pending and decided requests alike, as the caller (the API, or a chat account
 * linked to a member). One transaction: lock the request row and share-lock the org row (the same
 * statement shape and lock modes as the decision path, greenlight_lock_pending.sql, so the two take
 * their locks in one order), refuse under the emergency stop, insert, count, append the event. The
 * share lock makes the stop atomic with the insert: turning the stop on updates the org row and so
 * waits for this transaction, or this transaction sees the stop.
 */
export async function addComment(db: Database, caller: Caller & { connection?: { id: string } | null }, approvalId: string, body: string): Promise<CommentRow> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ comments_count: number; emergency_stop: boolean }>(
      `SELECT a.comments_count, o.emergency_stop
         FROM approvals a JOIN orgs o ON o.id = a.org_id
        WHERE a.id = $1 AND a.org_id = $2
          ${CHANGE_LOCK} OF a FOR SHARE OF o`,
      [approvalId, caller.org.id],
    );
    const approval = rows[0];
    if (!approval) throw notFound();
    if (approval.emergency_stop) throw emergencyStop();
    if (approval.comments_count >= MAX_COMMENTS_PER_APPROVAL) {
      throw new ApiError('LIMIT_REACHED', `an approval request can have at most ${MAX_COMMENTS_PER_APPROVAL} comments`, {
        limit: MAX_COMMENTS_PER_APPROVAL,
      });
    }

    const author = actorOf(caller);
    // clock_timestamp(), not now(): taken under the row lock, it orders comments of one request
    // by the order their transactions got the lock, which is the order the list shows.
    const inserted = await tx.query<CommentRow>(
      `INSERT INTO comments AS c (approval_id, org_id, author_type, user_id, connection_id, author_name, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())
       RETURNING ${COMMENT_COLUMNS}`,
      [
        approvalId,
        caller.org.id,
        caller.principal.type,
        caller.principal.type === 'user' ? caller.principal.id : null,
        caller.connection?.id ?? null,
        author.name,
        body,
      ],
    );
    const row = inserted.rows[0]!;
    await countComment(tx, approvalId);
    await appendEvent(tx, {
      orgId: caller.org.id,
      approvalId,
      type: 'comment.created',
      actor: author,
      data: { comment_id: row.id, body: row.body },
    });
    return row;
  });
}
