import { defineTrigger } from 'zapier-platform-core';
import { newApprovalTrigger as t } from '@greenlight/triggers';
import { hookOperation } from '../hooks.ts';

export default defineTrigger({
  key: 'new_approval',
  noun: 'Approval Request',
  display: { label: t.label, description: t.description },
  operation: hookOperation(t),
});
