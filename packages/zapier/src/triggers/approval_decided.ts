import { defineTrigger } from 'zapier-platform-core';
import { approvalDecidedTrigger as t } from '@greenlight/triggers';
import { hookOperation } from '../hooks.ts';

export default defineTrigger({
  key: 'approval_decided',
  noun: 'Decision',
  display: { label: t.label, description: t.description },
  operation: hookOperation(t),
});
