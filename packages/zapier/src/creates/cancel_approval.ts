import { defineCreate, type Bundle, type ZObject } from 'zapier-platform-core';
import { Approval } from '@greenlight/contract';
import { ACTIONS, APPROVAL_ANSWER_OUTPUT_FIELDS, SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import { callAction } from '../actions.ts';
import { parseBody } from '../api.ts';
import { inputFields, outputFields } from '../fields.ts';

const action = ACTIONS.cancel;

export default defineCreate({
  key: 'cancel_approval',
  noun: 'Approval Request',
  display: { label: action.label, description: 'Cancels a pending approval request.' },
  operation: {
    inputFields: inputFields(action.fields, { id: { dynamic: 'pending_approval_choices.id.name', search: 'find_approval.id' } }),
    perform: async (z: ZObject, bundle: Bundle) => parseBody(Approval, (await callAction(z, bundle, action)).data, 'approval request'),
    sample: { ...SAMPLE_PENDING_APPROVAL, status: 'cancelled', cancelled_at: '2026-03-24T10:07:00.000Z', updated_at: '2026-03-24T10:07:00.000Z' },
    outputFields: outputFields(APPROVAL_ANSWER_OUTPUT_FIELDS),
  },
});
