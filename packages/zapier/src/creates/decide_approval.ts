import { defineCreate, type Bundle, type ZObject } from 'zapier-platform-core';
import { DecisionResult } from '@greenlight/contract';
import { ACTIONS, APPROVAL_ANSWER_OUTPUT_FIELDS, SAMPLE_DECIDED_APPROVAL } from '@greenlight/triggers';
import { callAction } from '../actions.ts';
import { parseBody } from '../api.ts';
import { inputFields, outputFields } from '../fields.ts';
import { answerFieldsOfRequest, answerInputFields, withAnswer } from '../answers.ts';

const action = ACTIONS.decide;

export default defineCreate({
  key: 'decide_approval',
  noun: 'Decision',
  display: { label: action.label, description: 'Approves or rejects a pending approval request (one vote).' },
  operation: {
    inputFields: [
      ...inputFields(action.fields, { id: { dynamic: 'pending_approval_choices.id.name', search: 'find_approval.id', altersDynamicFields: true } }),
      answerInputFields,
    ],
    perform: async (z: ZObject, bundle: Bundle) => parseBody(DecisionResult, (await callAction(z, await withAnswer(z, bundle), action)).data, 'decision'),
    sample: { ...SAMPLE_DECIDED_APPROVAL, callback_delivered: true },
    outputFields: [...outputFields(APPROVAL_ANSWER_OUTPUT_FIELDS), { key: 'callback_delivered', label: 'Callback Delivered', type: 'boolean' }, answerFieldsOfRequest],
  },
});
