import type { Comment } from '@greenlight/contract';

/** The columns every comment query selects (alias `c`); `toComment` turns one row into the API shape. */
export const COMMENT_COLUMNS = 'c.id, c.approval_id, c.author_type, c.user_id, c.connection_id, c.author_name, c.body, c.created_at';

export interface CommentRow {
  id: string;
  approval_id: string;
  author_type: 'connection' | 'user';
  user_id: string | null;
  connection_id: string | null;
  author_name: string | null;
  body: string;
  created_at: Date;
}

export function toComment(r: CommentRow): Comment {
  return {
    id: r.id,
    approval_request_id: r.approval_id,
    user_id: r.user_id,
    connection_id: r.connection_id,
    author: { type: r.author_type, id: r.author_type === 'user' ? r.user_id : r.connection_id, name: r.author_name },
    body: r.body,
    created_at: r.created_at.toISOString(),
  };
}
