import { defineCreate, type Bundle, type ZObject } from 'zapier-platform-core';
import { Comment } from '@greenlight/contract';
import { ACTIONS, COMMENT_OUTPUT_FIELDS, SAMPLE_COMMENT } from '@greenlight/triggers';
import { callAction } from '../actions.ts';
import { parseBody } from '../api.ts';
import { inputFields, outputFields } from '../fields.ts';

const action = ACTIONS.add_comment;

export default defineCreate({
  key: 'add_comment',
  noun: 'Comment',
  display: { label: action.label, description: 'Adds a comment to an approval request, pending or decided.' },
  operation: {
    inputFields: inputFields(action.fields, { id: { dynamic: 'approval_choices.id.name', search: 'find_approval.id' } }),
    perform: async (z: ZObject, bundle: Bundle) => parseBody(Comment, (await callAction(z, bundle, action)).data, 'comment'),
    sample: {
      id: SAMPLE_COMMENT.id,
      approval_request_id: SAMPLE_COMMENT.approval_id,
      user_id: null,
      connection_id: SAMPLE_COMMENT.approval.connection_id,
      author: { type: 'connection', id: SAMPLE_COMMENT.approval.connection_id, name: 'Zapier' },
      body: SAMPLE_COMMENT.body,
      created_at: SAMPLE_COMMENT.created_at,
    },
    outputFields: outputFields(COMMENT_OUTPUT_FIELDS),
  },
});
