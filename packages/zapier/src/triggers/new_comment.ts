import { defineTrigger } from 'zapier-platform-core';
import { newCommentTrigger as t } from '@greenlight/triggers';
import { hookOperation } from '../hooks.ts';

export default defineTrigger({
  key: 'new_comment',
  noun: 'Comment',
  display: { label: t.label, description: t.description },
  operation: hookOperation(t),
});
