import type { Approval, Principal } from '@greenlight/contract';
import { APPROVAL_ITEM_OUTPUT_FIELDS, PRINCIPAL_OUTPUT_FIELDS } from '../generated/contract.ts';
import type { StepDecidedItem } from '../items.ts';
import { SAMPLE_STEP_DECIDED } from '../samples.ts';
import { changedRequests, newestEvents, oneEventWebhook, prefixed, type TriggerDefinition } from './define.ts';

function item(details: Record<string, unknown>, actor: Principal, at: string, approval: Approval): StepDecidedItem | null {
  const { step_id, step_order, decision, comment } = details;
  if (typeof step_id !== 'string' || typeof step_order !== 'number' || (decision !== 'approve' && decision !== 'reject')) return null;
  return {
    id: step_id,
    approval_id: approval.id,
    step_order,
    decision,
    comment: typeof comment === 'string' ? comment : null,
    decided_by: actor,
    decided_at: at,
    approval,
  };
}

export const stepDecidedTrigger: TriggerDefinition<StepDecidedItem, Record<string, never>> = {
  key: 'step_decided',
  label: 'Step Decided',
  description: 'Triggers when an approver approves or rejects one step of a multi-step approval request.',
  eventTypes: ['step.decided'],
  inputFields: [],
  filters: () => ({}),
  polling: changedRequests(
    () => ({}),
    async (a, { request }) =>
      (await newestEvents(request, a.id, 'step.decided')).flatMap((e) => {
        const it = item(e.data, e.actor, e.created_at, a);
        return it ? [{ key: it.id, time: Date.parse(e.created_at), item: it }] : [];
      }),
  ),
  webhook: oneEventWebhook('step.decided', (p) => {
    const it = p.data.approval ? item(p.data.details, p.data.actor, p.timestamp, p.data.approval) : null;
    return it ? [it] : [];
  }),
  sample: SAMPLE_STEP_DECIDED,
  outputFields: [
    { key: 'id', label: 'Step ID', type: 'uuid' },
    { key: 'approval_id', label: 'Approval Request ID', type: 'uuid' },
    { key: 'step_order', label: 'Step Order', type: 'integer' },
    { key: 'decision', label: 'Decision', type: 'select' },
    { key: 'comment', label: 'Comment', type: 'text' },
    ...prefixed('decided_by', PRINCIPAL_OUTPUT_FIELDS),
    { key: 'decided_at', label: 'Decided At', type: 'datetime' },
    ...prefixed('approval', APPROVAL_ITEM_OUTPUT_FIELDS),
  ],
};
