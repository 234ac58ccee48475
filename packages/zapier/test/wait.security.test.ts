/**
 * "Request Approval and Wait" fails closed in Zapier's own resume path (`performResume` through the
 * app tester and the app's middleware): every outcome, every callback body (matching, lying,
 * missing, garbage), with "Stop the Zap Unless Approved" on and off. Only a request that the API
 * says is approved continues as approved; a step still waiting (no callback) holds a request that is
 * not approved, and a resume without a decision stops the step with an error.
 */
import { describe, expect, it } from 'vitest';
import { SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import { api, approval, authData, call, envelope, failure, useNock } from './helpers.ts';

useNock();
const OP = 'creates.request_approval_and_wait.operation';
const ID = SAMPLE_PENDING_APPROVAL.id;

const asApi = (status: string) => ({
  ...SAMPLE_DECIDED_APPROVAL,
  status,
  decided_at: status === 'approved' || status === 'rejected' ? SAMPLE_DECIDED_APPROVAL.decided_at : null,
  cancelled_at: status === 'cancelled' ? '2026-03-24T10:07:00.000Z' : null,
});

/** What Greenlight (or anyone holding the callback URL) might post to Zapier's callback. */
const BODIES: [string, unknown][] = [
  ['a matching callback', undefined],
  ['a callback claiming approval', { type: 'approval.approved', data: { approval: { ...SAMPLE_DECIDED_APPROVAL, status: 'approved' } } }],
  ['no body', null],
  ['an empty object', {}],
  ['garbage', 'not json at all'],
  ['an unknown event', { type: 'approval.escalated' }],
];

const resume = (status: string, stop: boolean, cleanedRequest: unknown) =>
  call<Record<string, unknown>>(`${OP}.performResume`, {
    authData,
    inputData: { stop_unless_approved: stop },
    outputData: { id: ID, status: 'pending', approved: false, outcome: null },
    ...(cleanedRequest === undefined ? { cleanedRequest: { type: `approval.${status}`, data: { approval: asApi(status) } } } : { cleanedRequest }),
  });

describe('performResume reads the outcome from the API, whatever the callback said', () => {
  const cases = ['approved', 'rejected', 'cancelled', 'expired'].flatMap((status) => BODIES.map(([name, body]) => [status, name, body] as const));

  it.each(cases)('API says %s, callback is %s, the Zap continues: outcome from the API', async (status, _, body) => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, asApi(status));
    const out = await resume(status, false, body);
    expect(out).toMatchObject({ id: ID, status, outcome: status, approved: status === 'approved' });
  });

  it.each(cases.filter(([status]) => status !== 'approved'))('API says %s, callback is %s, set to stop: HaltedError', async (status, _, body) => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, asApi(status));
    expect(await failure(resume(status, true, body))).toMatchObject({ name: 'HaltedError' });
  });

  it.each(BODIES)('API says approved, callback is %s, set to stop: continues as approved', async (_, body) => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, asApi('approved'));
    expect(await resume('approved', true, body)).toMatchObject({ outcome: 'approved', approved: true });
  });
});

describe('a resume without a decision stops the step, never as approved', () => {
  it.each(BODIES)('API says pending, callback is %s: STILL_PENDING', async (_, body) => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, SAMPLE_PENDING_APPROVAL);
    expect(await failure(resume('approved', false, body ?? { type: 'approval.approved' }))).toMatchObject({ code: 'STILL_PENDING', status: 409 });
  });

  it.each([
    ['an unknown status', { ...SAMPLE_DECIDED_APPROVAL, status: 'escalated' }],
    ['no status', (({ status: _, ...rest }) => rest)(SAMPLE_DECIDED_APPROVAL)],
    ['a body that is no request', { ok: true }],
  ])('the API answers %s: an error, not a decision', async (_, answer) => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, answer);
    const err = await failure(resume('approved', false, undefined));
    expect(String(err.message)).toMatch(/unexpected approval request/);
  });

  it('the request is gone (404): the API error, not a decision', async () => {
    api().get(`/api/v1/approvals/${ID}`).reply(404, envelope('NOT_FOUND', 'approval request not found'));
    expect(await failure(resume('approved', false, undefined))).toMatchObject({ message: expect.stringContaining('approval request not found') });
  });

  it('the paused step lost its request id: an error, and no API call', async () => {
    const run = call(`${OP}.performResume`, { authData, inputData: {}, outputData: {}, cleanedRequest: { type: 'approval.approved' } });
    expect(await failure(run)).toMatchObject({ code: 'NO_APPROVAL' });
  });
});

describe('another request’s callback sent to this step’s callback URL (any request may name it)', () => {
  const OTHER = '0b9d8c7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e';
  const hijack = { type: 'approval.approved', data: { approval_id: OTHER, approval: { ...SAMPLE_DECIDED_APPROVAL, id: OTHER, status: 'approved' } } };

  it.each([true, false])('this request still pending (stop %s): NOT_THIS_REQUEST, never approved', async (stop) => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, SAMPLE_PENDING_APPROVAL);
    const err = await failure(resume('approved', stop, hijack));
    expect(err).toMatchObject({ code: 'NOT_THIS_REQUEST', status: 409 });
    expect(String(err.message)).toContain(OTHER);
  });

  it('this request already decided: its own outcome, whatever the other said', async () => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, asApi('rejected'));
    expect(await resume('rejected', false, hijack)).toMatchObject({ id: ID, outcome: 'rejected', approved: false });
  });

  it('the API answers about another request: an error, never its outcome', async () => {
    api().get(`/api/v1/approvals/${ID}`).reply(200, { ...asApi('approved'), id: OTHER });
    expect(await failure(resume('approved', false, undefined))).toMatchObject({ code: 'NOT_THIS_REQUEST' });
  });
});

describe('while Zapier waits for the callback', () => {
  it('the step holds the pending request, not approved and with no outcome', async () => {
    api().post('/api/v1/approvals').reply(201, approval());
    const out = await call<Record<string, unknown>>(`${OP}.perform`, { authData, inputData: { title: 'T', description: 'D', priority: 'low' } });
    expect(out).toMatchObject({ status: 'pending', approved: false, outcome: null });
  });
});
