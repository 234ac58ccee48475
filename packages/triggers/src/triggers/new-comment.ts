import { APPROVAL_ITEM_OUTPUT_FIELDS, PRINCIPAL_OUTPUT_FIELDS } from '../generated/contract.ts';
import type { CommentItem } from '../items.ts';
import { SAMPLE_COMMENT } from '../samples.ts';
import { changedRequests, newestEvents, oneEventWebhook, prefixed, type TriggerDefinition } from './define.ts';

const detailString = (details: Record<string, unknown>, key: string) => (typeof details[key] === 'string' ? (details[key] as string) : null);

export const newCommentTrigger: TriggerDefinition<CommentItem, Record<string, never>> = {
  key: 'new_comment',
  label: 'New Comment',
  description: 'Triggers when someone comments on an approval request.',
  eventTypes: ['comment.created'],
  inputFields: [],
  filters: () => ({}),
  polling: changedRequests(
    () => ({}),
    async (a, { request }) => {
      if (a.comments_count === 0) return [];
      return (await newestEvents(request, a.id, 'comment.created')).flatMap((e) => {
        const id = detailString(e.data, 'comment_id');
        if (!id) return [];
        const item: CommentItem = { id, approval_id: a.id, body: detailString(e.data, 'body') ?? '', author: e.actor, created_at: e.created_at, approval: a };
        return [{ key: id, time: Date.parse(e.created_at), item }];
      });
    },
  ),
  webhook: oneEventWebhook('comment.created', (p) => {
    const id = detailString(p.data.details, 'comment_id');
    if (!id || !p.data.approval) return [];
    return [{ id, approval_id: p.data.approval.id, body: detailString(p.data.details, 'body') ?? '', author: p.data.actor, created_at: p.timestamp, approval: p.data.approval }];
  }),
  sample: SAMPLE_COMMENT,
  outputFields: [
    { key: 'id', label: 'Comment ID', type: 'uuid' },
    { key: 'approval_id', label: 'Approval Request ID', type: 'uuid' },
    { key: 'body', label: 'Comment', type: 'text' },
    ...prefixed('author', PRINCIPAL_OUTPUT_FIELDS),
    { key: 'created_at', label: 'Created At', type: 'datetime' },
    ...prefixed('approval', APPROVAL_ITEM_OUTPUT_FIELDS),
  ],
};
