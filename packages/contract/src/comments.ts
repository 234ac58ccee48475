import { z } from './zod.ts';
import { LIMITS } from './approvals.ts';
import { Principal, Timestamp } from './common.ts';

export const CreateCommentBody = z
  .strictObject({
    body: z.string().trim().min(1).max(LIMITS.commentMax).openapi({
      example: 'Checked the database — this user has no active subscriptions. Safe to proceed.',
    }),
  })
  .openapi('CreateCommentRequest');
export type CreateCommentBody = z.infer<typeof CreateCommentBody>;

export const Comment = z
  .object({
    id: z.uuid(),
    approval_request_id: z.uuid(),
    user_id: z.uuid().nullable(),
    connection_id: z.uuid().nullable(),
    author: Principal,
    body: z.string(),
    created_at: Timestamp,
  })
  .openapi('Comment');
export type Comment = z.infer<typeof Comment>;

export const CommentList = z.object({ data: z.array(Comment) }).openapi('CommentList');
