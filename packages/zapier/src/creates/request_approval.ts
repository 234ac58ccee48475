import { defineCreate, type Bundle, type ZObject } from 'zapier-platform-core';
import { Approval } from '@greenlight/contract';
import { ACTIONS, APPROVAL_ANSWER_OUTPUT_FIELDS, SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import { callAction } from '../actions.ts';
import { parseBody } from '../api.ts';
import { inputFields, outputFields } from '../fields.ts';
import { answerFieldsFromInput } from '../answers.ts';

const action = ACTIONS.request_approval;

export default defineCreate({
  key: 'request_approval',
  noun: 'Approval Request',
  display: { label: action.label, description: 'Creates a pending approval request that approvers see at once.' },
  operation: {
    inputFields: inputFields(action.fields, { action_type: { dynamic: 'action_type_choices.id.name' } }),
    perform: async (z: ZObject, bundle: Bundle) => parseBody(Approval, (await callAction(z, bundle, action)).data, 'approval request'),
    sample: SAMPLE_PENDING_APPROVAL,
    outputFields: [...outputFields(APPROVAL_ANSWER_OUTPUT_FIELDS), answerFieldsFromInput],
  },
});
