import { defineTrigger } from 'zapier-platform-core';
import { approvalDecidedTrigger as t } from '@greenlight/triggers';
import { inputFields, outputFields } from '../fields.ts';
import { receive, recent, sampleOf, subscribe, unsubscribe } from '../hooks.ts';

export default defineTrigger({
  key: 'approval_decided',
  noun: 'Decision',
  display: { label: t.label, description: t.description },
  operation: {
    type: 'hook',
    // Changing the outcomes changes the events subscribed to: Zapier resubscribes when the Zap is turned on again.
    inputFields: inputFields(t.inputFields),
    performSubscribe: subscribe(t),
    performUnsubscribe: unsubscribe(t),
    perform: receive(t),
    performList: recent(t),
    sample: sampleOf(t),
    outputFields: outputFields(t.outputFields),
  },
});
