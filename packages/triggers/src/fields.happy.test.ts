import { describe, expect, it } from 'vitest';
import { ALTERNATE_SPELLINGS, CreateApprovalBody, CreateCommentBody, DecideApprovalBody, ListApprovalsQuery, routes, VoteStepBody, ConfigureStepsBody } from '@greenlight/contract';
import { ACTIONS, APPROVAL_ANSWER_OUTPUT_FIELDS, APPROVAL_ITEM_OUTPUT_FIELDS, approvalDecidedTrigger, newApprovalTrigger, type FieldDescriptor } from './index.ts';

const keysOf = (fields: readonly FieldDescriptor[], where: FieldDescriptor['in']) => fields.filter((f) => f.in === where).map((f) => f.key).sort();
/** A schema's fields in Greenlight's own spelling: the integrations never offer the peer APIs' respellings. */
const ownFields = (shape: object) => Object.keys(shape).filter((k) => !(ALTERNATE_SPELLINGS as readonly string[]).includes(k));
const all = (fields: readonly FieldDescriptor[]): FieldDescriptor[] => fields.flatMap((f) => [f, ...all(f.children ?? [])]);

describe('action input fields, generated from the contract', () => {
  it('"Request approval" describes every field of the contract’s create schema (in Greenlight’s spelling), each with a label, help and a type', () => {
    const fields = ACTIONS.request_approval.fields;
    expect(keysOf(fields, 'body')).toEqual(ownFields(CreateApprovalBody.shape).sort());
    for (const f of all(fields)) {
      expect(f.label, f.key).toMatch(/\S/);
      expect(f.help, `help of ${f.key}`).toMatch(/\S/);
      expect(f.type, f.key).toBeTruthy();
    }
  });

  it('"Request approval and wait" has every create field but the callback, which the platform supplies, and an engine\'s resume target', () => {
    const expected = ownFields(CreateApprovalBody.shape).filter((k) => k !== 'callback_url' && k !== 'callback_headers' && k !== 'resume');
    expect(keysOf(ACTIONS.request_approval_and_wait.fields, 'body')).toEqual(expected.sort());
  });

  it('"Approve or Reject" has every decide field but the standing grant, which only a person gives', () => {
    const expected = ownFields(DecideApprovalBody.shape).filter((k) => k !== 'grant');
    expect(keysOf(ACTIONS.decide.fields, 'body')).toEqual(expected.sort());
  });

  it.each([
    ['add_comment', CreateCommentBody],
    ['vote_step', VoteStepBody],
    ['configure_steps', ConfigureStepsBody],
  ] as const)('%s describes every body field of its contract schema', (key, schema) => {
    expect(keysOf(ACTIONS[key].fields, 'body')).toEqual(ownFields(schema.shape).sort());
    for (const f of all(ACTIONS[key].fields)) expect(f.help, f.key).toMatch(/\S/);
  });

  it('list/search offers every list filter of the contract (paging is the platform’s)', () => {
    const filters = Object.keys(ListApprovalsQuery.shape).filter((k) => k !== 'page' && k !== 'page_token');
    expect(keysOf(ACTIONS.list_approvals.fields, 'query')).toEqual(filters.sort());
  });

  it('required, defaults and options come from the contract', () => {
    const byKey = Object.fromEntries(ACTIONS.request_approval.fields.map((f) => [f.key, f]));
    expect(byKey.title).toMatchObject({ required: true, type: 'string', maxLength: 500 });
    expect(byKey.priority).toMatchObject({ required: true, type: 'select' });
    expect(byKey.priority!.options!.map((o) => o.value)).toEqual(['low', 'medium', 'high', 'critical']);
    expect(byKey.required_approvals).toMatchObject({ required: false, type: 'integer', default: 1, minimum: 1, maximum: 20 });
    expect(byKey.on_expiry!.options!.map((o) => o.value)).toEqual(['expire', 'approve', 'reject']);
    expect(byKey.expires_at!.type).toBe('datetime');
    expect(byKey.tags!.type).toBe('dictionary');
    expect(byKey.metadata!.type).toBe('json');
    expect(byKey.resource!.children!.map((c) => [c.key, c.required])).toEqual([['type', true], ['id', true], ['name', false]]);
    const status = ACTIONS.list_approvals.fields.find((f) => f.key === 'status')!;
    expect(status).toMatchObject({ type: 'multiselect', serialize: 'comma' });
  });

  it('every action names a contract operation with its method and path', () => {
    for (const action of Object.values(ACTIONS)) {
      const route = routes[action.operationId as keyof typeof routes];
      expect(route, action.key).toBeDefined();
      expect([action.method, action.path]).toEqual([route.method.toUpperCase(), route.path]);
      const pathParams = [...action.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(keysOf(action.fields, 'path')).toEqual(pathParams.sort());
    }
  });
});

describe('a request’s output fields, in two shapes', () => {
  it('as the API answers it: every field of a trigger item, then what the caller may do, field by field', () => {
    const item = APPROVAL_ITEM_OUTPUT_FIELDS.map((f) => f.key);
    const answer = APPROVAL_ANSWER_OUTPUT_FIELDS.map((f) => f.key);
    expect(item.filter((k) => k.startsWith('viewer_can'))).toEqual([]);
    expect(answer.slice(0, item.length)).toEqual(item);
    expect(answer.slice(item.length)).toEqual([
      'viewer_can.decide.allowed',
      'viewer_can.decide.reason',
      'viewer_can.decide.steps',
      'viewer_can.decide.approve.allowed',
      'viewer_can.decide.approve.reason',
      'viewer_can.decide.reason_code',
      ...['cancel', 'revoke', 'reassign', 'comment', 'grant'].flatMap((p) => [`viewer_can.${p}.allowed`, `viewer_can.${p}.reason`]),
    ]);
    expect(APPROVAL_ANSWER_OUTPUT_FIELDS.find((f) => f.key === 'viewer_can.decide.allowed')?.type).toBe('boolean');
  });

  it('the triggers’ items are the shape without viewer_can', () => {
    for (const t of [newApprovalTrigger, approvalDecidedTrigger]) expect(t.outputFields).toBe(APPROVAL_ITEM_OUTPUT_FIELDS);
  });
});
