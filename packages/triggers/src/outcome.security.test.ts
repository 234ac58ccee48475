import { describe, expect, it } from 'vitest';
import type { WebhookPayload } from '@greenlight/contract';
import { DECISION_OUTCOMES, isAboutRequest, OUTCOME_SOURCES, outcomeOf, outcomeOfEvent, outcomeOfStatus, WAIT_OUTCOMES } from './outcome.ts';
import { approvalDecidedTrigger, OUTCOMES } from './triggers/approval-decided.ts';
import { SAMPLE_DECIDED_APPROVAL } from './samples.ts';

/** Values that are no final outcome of any kind: each must map to nothing, never to approved. */
const NOT_OUTCOMES: [string, unknown][] = [
  ['pending', 'pending'],
  ['a non-final event', 'approval.created'],
  ['a comment event', 'comment.created'],
  ['an unknown string', 'approval.approved_maybe'],
  ['another case', 'APPROVED'],
  ['padding', ' approved'],
  ['the empty string', ''],
  ['undefined', undefined],
  ['null', null],
  ['true', true],
  ['a number', 1],
  ['an object', { type: 'approval.approved' }],
  ['an array', ['approved']],
  ['an Object.prototype key', 'constructor'],
  ['__proto__', '__proto__'],
  ['toString', 'toString'],
  ['timed_out (only a wait produces it)', 'timed_out'],
];

describe('outcomeOfEvent and outcomeOfStatus', () => {
  it.each(DECISION_OUTCOMES.map((o) => [OUTCOME_SOURCES[o].event, OUTCOME_SOURCES[o].status, o]))('%s and %s → %s', (event, status, outcome) => {
    expect(outcomeOfEvent(event)).toBe(outcome);
    expect(outcomeOfStatus(status)).toBe(outcome);
  });

  it('an event type is not a status, nor the reverse', () => {
    expect(outcomeOfEvent('approved')).toBeUndefined();
    expect(outcomeOfStatus('approval.approved')).toBeUndefined();
  });

  it.each(NOT_OUTCOMES)('%s → no outcome, never approved', (_, value) => {
    expect(outcomeOfEvent(value)).toBeUndefined();
    expect(outcomeOfStatus(value)).toBeUndefined();
  });

  it('timed_out is a wait outcome distinct from every decision', () => {
    expect(WAIT_OUTCOMES).toEqual([...DECISION_OUTCOMES, 'timed_out']);
    expect(DECISION_OUTCOMES).not.toContain('timed_out');
  });
});

describe('outcomeOf a delivery', () => {
  it.each([
    [{ type: 'approval.approved', approval: { status: 'approved' } }, 'approved'],
    [{ type: 'approval.rejected', approval: { status: 'rejected' } }, 'rejected'],
    [{ type: 'approval.cancelled', approval: { status: 'cancelled' } }, 'cancelled'],
    [{ type: 'approval.expired', approval: { status: 'expired' } }, 'expired'],
    [{ type: 'approval.rejected' }, 'rejected'],
    // A revoked approval: the request says rejected, and the automation must not act.
    [{ type: 'approval.revoked', approval: { status: 'rejected' } }, 'rejected'],
    [{ type: 'approval.revoked' }, 'rejected'],
    [{ type: 'approval.expired', approval: null }, 'expired'],
  ])('%j → %s', (delivery, outcome) => {
    expect(outcomeOf(delivery)).toBe(outcome);
  });

  it.each([
    ['an approval whose request says rejected', { type: 'approval.approved', approval: { status: 'rejected' } }],
    ['an approval whose request is pending', { type: 'approval.approved', approval: { status: 'pending' } }],
    ['an approval without its request', { type: 'approval.approved' }],
    ['an approval with a null request', { type: 'approval.approved', approval: null }],
    ['a status where the type belongs', { type: 'approved', approval: { status: 'approved' } }],
    ['no type', { approval: { status: 'approved' } }],
    ['an empty body', {}],
    ['null', null],
    ['undefined', undefined],
    ...NOT_OUTCOMES.map(([name, type]): [string, unknown] => [`type ${name}`, { type, approval: { status: 'approved' } }]),
  ])('%s → nothing', (_, delivery) => {
    expect(outcomeOf(delivery as never)).toBeUndefined();
  });
});

describe('the approval_decided trigger uses the same rule', () => {
  const payload = (type: string, status = SAMPLE_DECIDED_APPROVAL.status): WebhookPayload =>
    ({
      type,
      timestamp: '2026-03-24T10:05:12.000Z',
      data: { event_id: '1', org_id: SAMPLE_DECIDED_APPROVAL.org_id, approval_id: SAMPLE_DECIDED_APPROVAL.id, actor: { type: 'user', id: 'u', name: 'U' }, from_status: 'pending', to_status: status, details: {}, approval: { ...SAMPLE_DECIDED_APPROVAL, status } },
    }) as WebhookPayload;
  const all = { outcomes: [...OUTCOMES] };

  it.each([
    ['approval.approved', 'approved'],
    ['approval.rejected', 'rejected'],
    ['approval.expired', 'expired'],
    ['approval.cancelled', 'cancelled'],
  ] as const)('%s is delivered', (type, status) => {
    expect(approvalDecidedTrigger.webhook.fromPayload(payload(type, status), all)).toHaveLength(1);
  });
  it.each(['approval.created', 'constructor', 'approved', ''])('%s is not a decision', (type) => {
    expect(approvalDecidedTrigger.webhook.fromPayload(payload(type), all)).toEqual([]);
  });
  it('an approval event carrying a request that is not approved is not delivered', () => {
    expect(approvalDecidedTrigger.webhook.fromPayload(payload('approval.approved', 'pending'), all)).toEqual([]);
  });
});

describe('isAboutRequest: whose decision a delivery is', () => {
  const ID = '7c1e2a4b-0d5f-4f8e-9a3c-2b1d0e9f8a7c';
  const OTHER = '0b9d8c7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e';
  it.each([
    ['its id, with its request', { data: { approval_id: ID, approval: { id: ID } } }, ID, true],
    ['its id, without the request', { data: { approval_id: ID, approval: null } }, ID, true],
    ['another request', { data: { approval_id: OTHER, approval: { id: OTHER } } }, ID, false],
    ['its id, carrying another request', { data: { approval_id: ID, approval: { id: OTHER } } }, ID, false],
    ['another id, carrying this request', { data: { approval_id: OTHER, approval: { id: ID } } }, ID, false],
    ['no approval id (an org event)', { data: { approval_id: null, approval: null } }, ID, false],
    ['no data', { type: 'approval.approved' }, ID, false],
    ['nothing', null, ID, false],
    ['an id that is a number', { data: { approval_id: 1, approval: { id: 1 } } }, '1', false],
    ['no expected id', { data: { approval_id: ID, approval: { id: ID } } }, '', false],
    ['an undefined expected id', { data: { approval_id: undefined, approval: null } }, undefined, false],
  ] as const)('%s → %s', (_, delivery, expected, about) => {
    expect(isAboutRequest(delivery as never, expected)).toBe(about);
  });
});
