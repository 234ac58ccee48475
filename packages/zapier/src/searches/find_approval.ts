import { defineSearch, type Bundle, type ZObject } from 'zapier-platform-core';
import { Approval, ApprovalList } from '@greenlight/contract';
import { ACTIONS, APPROVAL_ANSWER_OUTPUT_FIELDS, SAMPLE_PENDING_APPROVAL, pathOf } from '@greenlight/triggers';
import { parseBody, perform, str } from '../api.ts';
import { inputField, outputFields } from '../fields.ts';

const byId = async (z: ZObject, id: string): Promise<Approval[]> => {
  // A malformed ID is a 404 too (the API answers unknown and invalid IDs alike).
  const { status, data } = await perform(z, { method: 'GET', path: pathOf('/api/v1/approvals/{id}', { id }), successStatuses: [200, 404] });
  return status === 404 ? [] : [parseBody(Approval, data, 'approval request')];
};

const byExternalId = async (z: ZObject, externalId: string): Promise<Approval[]> => {
  const { data } = await perform(z, {
    method: 'GET',
    path: '/api/v1/approvals',
    query: { external_id: externalId, page_size: '1' },
    successStatuses: [200],
  });
  return parseBody(ApprovalList, data, 'approval list').data;
};

/** An exact lookup (`idempotency_key=`): a key is unique within the org, however old its request. */
const byIdempotencyKey = async (z: ZObject, key: string): Promise<Approval[]> => {
  const { data } = await perform(z, {
    method: 'GET',
    path: '/api/v1/approvals',
    query: { idempotency_key: key, page_size: '1' },
    successStatuses: [200],
  });
  return parseBody(ApprovalList, data, 'approval list').data;
};

/** The most specific key given wins: ID, then external ID, then idempotency key. */
async function find(z: ZObject, bundle: Bundle): Promise<Approval[]> {
  const id = str(bundle, 'id');
  if (id) return byId(z, id);
  const externalId = str(bundle, 'external_id');
  if (externalId) return byExternalId(z, externalId);
  const key = str(bundle, 'idempotency_key');
  if (key) return byIdempotencyKey(z, key);
  throw new z.errors.Error('Give an Approval Request ID, an External ID or an Idempotency Key to search by', 'VALIDATION_ERROR', 400);
}

const idField = ACTIONS.get_approval.fields.find((f) => f.key === 'id')!;
const externalIdField = ACTIONS.find_by_external_id.fields.find((f) => f.key === 'external_id')!;
const keyField = ACTIONS.request_approval.fields.find((f) => f.key === 'idempotency_key')!;

export default defineSearch({
  key: 'find_approval',
  noun: 'Approval Request',
  display: {
    label: 'Find Approval Request',
    description: 'Finds an approval request by its ID, external ID or idempotency key.',
  },
  operation: {
    inputFields: [
      ...inputField(idField, { required: false, helpText: 'The ID of the approval request (a UUID). Searched first when given.' }),
      ...inputField(externalIdField, { required: false, helpText: 'Your own reference, given when the request was created.' }),
      ...inputField(keyField, {
        required: false,
        helpText: 'The idempotency key the request was created with.',
      }),
    ],
    perform: find,
    sample: SAMPLE_PENDING_APPROVAL,
    outputFields: outputFields(APPROVAL_ANSWER_OUTPUT_FIELDS),
  },
});
