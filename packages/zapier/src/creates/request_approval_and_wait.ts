import { defineCreate, type Bundle, type ZObject } from 'zapier-platform-core';
import { Approval } from '@greenlight/contract';
import { ACTIONS, APPROVAL_ANSWER_OUTPUT_FIELDS, SAMPLE_DECIDED_APPROVAL, isAboutRequest, outcomeOfStatus, pathOf } from '@greenlight/triggers';
import { callAction } from '../actions.ts';
import { parseBody, perform } from '../api.ts';
import { inputFields, outputFields } from '../fields.ts';
import { answerFieldsFromInput } from '../answers.ts';

const action = ACTIONS.request_approval_and_wait;

/**
 * The request with what it means for the Zap: `outcome` (approved, rejected, cancelled, expired; null
 * while pending) and `approved`, true only for the outcome `approved` (the rule of @greenlight/triggers).
 */
const decided = (a: Approval) => {
  const outcome = outcomeOfStatus(a.status) ?? null;
  return { ...a, approved: outcome === 'approved', outcome };
};

const wantsStop = (bundle: Bundle) => {
  const v = bundle.inputData.stop_unless_approved;
  return v === true || /^(true|yes|1)$/i.test(String(v ?? ''));
};

/**
 * Creates the request with Zapier's callback URL as `callback_url`; Zapier pauses the Zap until
 * Greenlight posts the decision there (up to 30 days), then `performResume` continues with it.
 */
async function requestAndWait(z: ZObject, bundle: Bundle) {
  // Testing the step in the Zap editor cannot wait: it creates the request and shows it pending.
  const callback = bundle.meta?.isLoadingSample ? {} : { callback_url: z.generateCallbackUrl() };
  const created = parseBody(Approval, (await callAction(z, bundle, action, callback)).data, 'approval request');
  return decided(created);
}

/**
 * The callback only wakes the Zap: the decision is read back from the API, by the id of the request
 * this step made (kept by Zapier in `outputData`), with the connection's own token. So a forged or
 * replayed post to the callback URL (or one with no body at all), or another request's genuine
 * callback sent here (any request may name any callback URL), cannot make up an outcome: only this
 * request's status counts. A request that is still pending, or whose status is no outcome, stops the
 * step with an error; Zapier has no way to go back to waiting, so a callback about another request
 * ends the run too (NOT_THIS_REQUEST), never as approved.
 */
async function resume(z: ZObject, bundle: Bundle) {
  const id = (bundle.outputData as { id?: string } | undefined)?.id;
  if (!id) throw new z.errors.Error('The paused step lost its approval request ID', 'NO_APPROVAL', 400);
  const { data } = await perform(z, { method: 'GET', path: pathOf('/api/v1/approvals/{id}', { id }), successStatuses: [200] });
  const approval = parseBody(Approval, data, 'approval request');
  if (approval.id !== id) throw new z.errors.Error(`Greenlight answered about request ${approval.id}, not ${id}`, 'NOT_THIS_REQUEST', 409);
  const outcome = outcomeOfStatus(approval.status);
  if (!outcome) {
    const body = bundle.cleanedRequest as Parameters<typeof isAboutRequest>[0];
    const other = body?.data?.approval_id;
    if (typeof other === 'string' && !isAboutRequest(body, id)) {
      throw new z.errors.Error(
        `"${approval.title}" is still pending; the callback was about another request (${other}), which changes nothing here`,
        'NOT_THIS_REQUEST',
        409,
      );
    }
    throw new z.errors.Error(`"${approval.title}" is still pending; the callback was not a decision`, 'STILL_PENDING', 409);
  }
  if (outcome !== 'approved' && wantsStop(bundle)) {
    const what = approval.status === 'expired' ? 'expired without a decision' : `was ${approval.status}`;
    const why = approval.decision_comment ? `: ${approval.decision_comment}` : '';
    throw new z.errors.HaltedError(`"${approval.title}" ${what}${why}. The Zap stops here, as this step is set to.`);
  }
  return decided(approval);
}

export default defineCreate({
  key: 'request_approval_and_wait',
  noun: 'Approval Request',
  display: {
    label: 'Request Approval and Wait',
    description: 'Creates an approval request and pauses the Zap until it is approved, rejected, cancelled or expires.',
  },
  operation: {
    inputFields: [
      ...inputFields(action.fields, { action_type: { dynamic: 'action_type_choices.id.name' } }),
      {
        key: 'stop_unless_approved',
        label: 'Stop the Zap Unless Approved',
        helpText:
          'Yes: a rejected, cancelled or expired request stops the Zap here. No: the Zap continues either way; use the **Approved** output in a filter or path. Zapier waits at most 30 days: set **Expires At** to decide what happens sooner.',
        type: 'boolean',
        default: 'false',
        required: false,
      },
    ],
    perform: requestAndWait,
    performResume: resume,
    sample: { ...SAMPLE_DECIDED_APPROVAL, approved: true, outcome: 'approved' },
    outputFields: [
      ...outputFields(APPROVAL_ANSWER_OUTPUT_FIELDS),
      { key: 'approved', label: 'Approved', type: 'boolean' },
      { key: 'outcome', label: 'Outcome', type: 'string' },
      answerFieldsFromInput,
    ],
  },
});
