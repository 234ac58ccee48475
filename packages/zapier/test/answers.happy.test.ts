/** Answers in the Zapier app, with nock standing in for the API: the inputs and outputs an answer gives the Zap editor, and what reaches the API. */
import { describe, expect, it } from 'vitest';
import { SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import { App, api, approval, authData, call, failure, useNock } from './helpers.ts';

useNock();
const ID = SAMPLE_PENDING_APPROVAL.id;
const SCHEMA = SAMPLE_PENDING_APPROVAL.response_schema!;
/** The index of an operation's function among its fields (Zapier calls it by that path). */
const dynamic = (fields: readonly unknown[] | undefined) => (fields ?? []).findIndex((f) => typeof f === 'function');
const decideInputs = `creates.decide_approval.operation.inputFields.${dynamic(App.creates.decide_approval!.operation.inputFields)}`;

describe('answers in the Zapier app', () => {
  it('Request Approval sends the schema and the editable paths typed as JSON text, parsed', async () => {
    api()
      .post('/api/v1/approvals', { title: 'T', description: 'D', priority: 'low', response_schema: SCHEMA, editable: ['metadata.notice'], metadata: { user_id: '4821', ticket_id: 'SUP-1234', notice: 'Your account will be deleted.' } })
      .reply(201, approval());
    const out = await call('creates.request_approval.operation.perform', {
      authData,
      inputData: { title: 'T', description: 'D', priority: 'low', response_schema: JSON.stringify(SCHEMA), editable: '["metadata.notice"]', metadata: JSON.stringify(SAMPLE_PENDING_APPROVAL.metadata) },
    });
    expect(out).toMatchObject({ response_schema: SCHEMA, editable: ['metadata.notice'] });
  });

  it('bad JSON in Response Schema is a validation error naming the field, and nothing is called', async () => {
    const run = call('creates.request_approval.operation.perform', { authData, inputData: { title: 'T', description: 'D', priority: 'low', response_schema: '{"type":' } });
    expect(await failure(run)).toMatchObject({ code: 'VALIDATION_ERROR', status: 400, message: 'Response schema is not valid JSON' });
  });

  it('the requesting steps offer the answer’s fields of the schema in their input; none while it is no schema', async () => {
    for (const key of ['request_approval', 'request_approval_and_wait'] as const) {
      const path = `creates.${key}.operation.outputFields.${dynamic(App.creates[key]!.operation.outputFields)}`;
      expect(await call(path, { authData, inputData: { response_schema: JSON.stringify(SCHEMA) } }), key).toEqual([
        { key: 'response__reason', label: 'Response: Reason', type: 'string' },
        { key: 'response__notify_user', label: 'Response: Notify the user', type: 'boolean' },
      ]);
      expect(await call(path, { authData, inputData: { response_schema: '{"type": "obj' } })).toEqual([]);
    }
  });

  it('Approve or Reject asks the chosen request’s questions, one input each; nothing for a mapped id or a request that asks nothing', async () => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, approval());
    expect(await call(decideInputs, { authData, inputData: { id: ID } })).toEqual([
      expect.objectContaining({ key: 'answer__reason', label: 'Answer: Reason', type: 'string', required: false, choices: [expect.objectContaining({ value: 'user_request' }), expect.objectContaining({ value: 'gdpr' }), expect.objectContaining({ value: 'fraud' })], helpText: 'Required to approve.' }),
      expect.objectContaining({ key: 'answer__notify_user', label: 'Answer: Notify the user', type: 'boolean', default: 'true' }),
    ]);
    expect(await call(decideInputs, { authData, inputData: { id: '{{123__id}}' } })).toEqual([]);
    api().get(`/api/v1/approvals/${ID}`).reply(200, approval({ response_schema: null }));
    expect(await call(decideInputs, { authData, inputData: { id: ID } })).toEqual([]);
    expect(App.creates.decide_approval!.operation.inputFields!.find((f) => typeof f !== 'function' && f.key === 'id')).toMatchObject({ altersDynamicFields: true });
  });

  it('Approve or Reject gathers the answer’s inputs into response, typed as the schema asks; the edits go as given', async () => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, approval());
    api()
      .patch(`/api/v1/approvals/${ID}`, { decision: 'approve', response: { reason: 'gdpr', notify_user: false }, edits: { 'metadata.notice': 'Deleted within 24 hours.' } })
      .reply(200, { ...SAMPLE_DECIDED_APPROVAL, callback_delivered: true });
    const out = await call('creates.decide_approval.operation.perform', {
      authData,
      inputData: { id: ID, decision: 'approve', answer__reason: 'gdpr', answer__notify_user: 'no', edits: '{"metadata.notice":"Deleted within 24 hours."}' },
    });
    expect(out).toMatchObject({ response: SAMPLE_DECIDED_APPROVAL.response, edits: SAMPLE_DECIDED_APPROVAL.edits, approved_content: SAMPLE_DECIDED_APPROVAL.approved_content });
  });

  it('an answer given both field by field and as JSON is refused before anything is decided', async () => {
    const run = call('creates.decide_approval.operation.perform', { authData, inputData: { id: ID, decision: 'approve', answer__reason: 'gdpr', response: '{"reason":"fraud"}' } });
    expect(await failure(run)).toMatchObject({ code: 'VALIDATION_ERROR', status: 400, message: 'Give the answer field by field or as Response (JSON), not both' });
  });
});
