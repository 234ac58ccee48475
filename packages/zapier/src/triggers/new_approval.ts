import { defineTrigger } from 'zapier-platform-core';
import { newApprovalTrigger as t } from '@greenlight/triggers';
import { outputFields } from '../fields.ts';
import { receive, recent, sampleOf, subscribe, unsubscribe } from '../hooks.ts';

export default defineTrigger({
  key: 'new_approval',
  noun: 'Approval Request',
  display: { label: t.label, description: t.description },
  operation: {
    type: 'hook',
    inputFields: [],
    performSubscribe: subscribe(t),
    performUnsubscribe: unsubscribe(t),
    perform: receive(t),
    performList: recent(t),
    sample: sampleOf(t),
    outputFields: outputFields(t.outputFields),
  },
});
