import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { addComment } from './add-comment.ts';
import { toComment } from './serialize-comment.ts';

export { MAX_COMMENTS_PER_APPROVAL } from './add-comment.ts';

/** `POST /api/v1/approvals/{id}/comments`: any credential with comments:write; refused under the emergency stop. */
export const createComment: Handler<Routes['createComment']> = async ({ params, body, auth, deps }) => {
  const comment = await addComment(deps.db, auth, params.id, body.body);
  return { status: 201, body: toComment(comment) };
};
