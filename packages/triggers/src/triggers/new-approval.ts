import type { Approval } from '@greenlight/contract';
import { APPROVAL_ITEM_OUTPUT_FIELDS } from '../generated/contract.ts';
import { SAMPLE_PENDING_APPROVAL } from '../samples.ts';
import { oneEventWebhook, type TriggerDefinition } from './define.ts';

/** Fires once per new approval request; the item is the request as created. */
export const newApprovalTrigger: TriggerDefinition<Approval, Record<string, never>> = {
  key: 'new_approval',
  label: 'New Approval Request',
  description: 'Triggers when an approval request is created in your organization.',
  eventTypes: ['approval.created'],
  inputFields: [],
  filters: () => ({}),
  polling: {
    method: 'GET',
    path: '/api/v1/approvals',
    sort: '-created_at',
    timeField: 'created_at',
    afterParam: 'created_after',
    dedupeKey: 'id',
    params: () => ({}),
    // `created_at` never changes: the request's own time is its list time.
    expand: async (a) => [{ key: a.id, time: Date.parse(a.created_at), item: a }],
  },
  webhook: oneEventWebhook('approval.created', (p) => (p.data.approval ? [p.data.approval] : [])),
  sample: SAMPLE_PENDING_APPROVAL,
  outputFields: APPROVAL_ITEM_OUTPUT_FIELDS,
};
