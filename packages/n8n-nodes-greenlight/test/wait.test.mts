/**
 * "Greenlight Request and Wait" v2 and v1 with mocked n8n contexts and nock in place of Greenlight,
 * shaped after what n8n 2.x does on a resume (see the node's shared/wait.ts): webhook() must put
 * every outcome on the first output, never throw, and resume only for this execution's own signed
 * decision: of the request whose id execute() kept in the execution's custom data; execute() must
 * leave in the execution's stack entry exactly what a wait limit produces. A refusal under "Continue
 * Only When Approved" (and in version 1) re-enables the node so that its execute() fails the
 * execution with the reason. The same node inside a running n8n: test/n8n-real.test.ts.
 */
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL, signWebhook } from '@greenlight/triggers';
import { context, loadBuilt, loadNodes, n8nWorkflow, type ContextOptions } from './context.mts';

const { spoken } = loadBuilt<typeof import('../dist/nodes/shared/wait.js')>('nodes/shared/wait.js');
import { useNock } from './nock.mts';

const BASE = 'https://greenlight.example.test';
const KEY = 'gk_test_key_123';
const ID = SAMPLE_PENDING_APPROVAL.id;
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const RESUME = 'https://n8n.example.test/webhook-waiting/42/node-1?signature=tok';
const CALLED = '/webhook-waiting/42/node-1?signature=tok';

let nodes: ReturnType<typeof loadNodes>;
beforeAll(() => {
  nodes = loadNodes();
});
useNock();

const api = () => nock(BASE, { reqheaders: { authorization: `Bearer ${KEY}` } });
const secretServed = () => api().get('/api/v1/callback-secret').reply(200, { secret: SECRET, previous_secret_expires_at: null, rotated_at: null });

const OTHER = '0b9d8c7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e';
const BOUND = { greenlight_approval_id: ID };
const NODE_OF_TEST = { id: 'c5f2a9a1-6a55-4d5e-9d61-0b7b1f6f7c10', name: 'Greenlight', type: 'CUSTOM.greenlight', typeVersion: 1, position: [0, 0] as [number, number], parameters: {} };
const create = { title: 'Deploy', description: 'Ship it', priority: 'high', additionalFields: {} };
type Execution = Pick<ContextOptions, 'customData' | 'executeData' | 'customDataLimit' | 'continueOnFail'>;
const execute = async (version: 1 | 2, parameters: Record<string, unknown>, execution: Execution = {}) => {
  const c = context({ baseUrl: BASE, apiKey: KEY, parameters: { authentication: 'apiKey', limitWaitTime: false, options: {}, ...create, ...parameters }, resumeUrl: RESUME, items: [{ from: 'trigger' }], ...execution });
  const node = version === 1 ? nodes.GreenlightRequestAndWait : nodes.GreenlightRequestAndWaitV2;
  const out = await node.execute.call(c.ctx);
  return { out, record: c.record };
};

const approvalAs = (status: string, extra: Record<string, unknown> = {}) => ({ ...SAMPLE_DECIDED_APPROVAL, status, callback_url: RESUME, ...extra });
const deliveryOf = (approvalId: string | null, type: unknown, approval: unknown, details: object = {}) =>
  JSON.stringify({
    type,
    timestamp: '2026-03-24T10:05:12.000Z',
    data: { event_id: '99', org_id: SAMPLE_PENDING_APPROVAL.org_id, approval_id: approvalId, actor: { type: 'user', id: 'u1', name: 'Dana' }, from_status: 'pending', to_status: 'x', details, approval },
  });
const delivery = (type: unknown, approval: unknown, details: object = {}) => deliveryOf(ID, type, approval, details);
const signed = (body: string, id = 'dlv_1') => {
  const ts = Math.floor(Date.now() / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(SECRET, id, ts, body), 'content-type': 'application/json' };
};
type WebhookExtra = { headers?: Record<string, string>; url?: string; query?: Record<string, string>; options?: object } & Pick<ContextOptions, 'customData' | 'executeData' | 'noStackEntry'>;
const webhook = async (version: 1 | 2, body: string, extra: WebhookExtra = {}) => {
  const c = context({
    baseUrl: BASE,
    apiKey: KEY,
    parameters: { authentication: 'apiKey', options: extra.options ?? {} },
    request: { url: extra.url ?? CALLED, headers: extra.headers ?? signed(body), rawBody: Buffer.from(body), query: extra.query ?? {} },
    customData: extra.customData ?? { ...BOUND },
    ...(extra.executeData ? { executeData: extra.executeData } : {}),
    ...(extra.noStackEntry ? { noStackEntry: true } : {}),
  });
  const node = version === 1 ? nodes.GreenlightRequestAndWait : nodes.GreenlightRequestAndWaitV2;
  return { result: await node.webhook.call(c.ctx), response: c.record.response, record: c.record };
};

describe('v2 is the default version and has one output', () => {
  it('the versioned node defaults to 2; v2 has one output, v1 three', () => {
    const { description } = loadNodes().GreenlightRequestAndWaitV2;
    expect(description.version).toBe(2);
    expect(description.outputs).toHaveLength(1);
    expect(nodes.GreenlightRequestAndWait.description.outputs).toHaveLength(3);
  });
});

describe('execute keeps the id of the request it made in the execution', () => {
  it.each([1, 2] as const)('v%i: the id is in the execution’s custom data once the request is made', async (version) => {
    api().post('/api/v1/approvals').reply(201, SAMPLE_PENDING_APPROVAL);
    const { record } = await execute(version, {});
    expect(record.customData).toEqual({ greenlight_approval_id: ID });
  });

  it.each([1, 2] as const)('v%i: no room for it (10 keys already used): an error, and no request is made', async (version) => {
    const used = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`key_${i}`, 'x']));
    // No request may reach Greenlight: nock answers nothing here, and useNock fails on any unmatched call.
    const error = await execute(version, {}, { customData: used }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(n8nWorkflow.NodeOperationError);
    expect((error as Error).message).toBe('This execution cannot keep the id of the request it waits for');
  });

  it('a workflow that already used the key before: overwritten with this request’s id', async () => {
    api().post('/api/v1/approvals').reply(201, SAMPLE_PENDING_APPROVAL);
    const { record } = await execute(2, {}, { customData: { greenlight_approval_id: OTHER, mine: 'kept' } });
    expect(record.customData).toEqual({ greenlight_approval_id: ID, mine: 'kept' });
  });
});

describe('v2 execute: what a wait limit produces is set before waiting', () => {
  it('waits indefinitely; a limit (never reached) would produce timed_out with the request', async () => {
    api().post('/api/v1/approvals', { title: 'Deploy', description: 'Ship it', priority: 'high', callback_url: RESUME }).reply(201, SAMPLE_PENDING_APPROVAL);
    const { out, record } = await execute(2, {});
    expect(record.waitTill).toEqual(n8nWorkflow.WAIT_INDEFINITELY);
    expect(out).toHaveLength(1);
    expect(record.executeData.data.main).toEqual([[{ json: expect.objectContaining({ decision: 'timed_out', approved: false, approval_id: ID, decider: null }), pairedItem: { item: 0 } }]]);
  });

  it('with a limit: waits until then, and the timeout item replaces the trigger item', async () => {
    api().post('/api/v1/approvals').reply(201, SAMPLE_PENDING_APPROVAL);
    const before = Date.now();
    const { record } = await execute(2, { limitWaitTime: true, limitType: 'afterTimeInterval', resumeAmount: 2, resumeUnit: 'hours' });
    expect(Math.abs(record.waitTill!.getTime() - before - 2 * 3_600_000)).toBeLessThan(1000);
    const passedOn = record.executeData.data.main[0]!;
    expect(passedOn).toHaveLength(1);
    expect(passedOn[0]!.json).toMatchObject({ decision: 'timed_out', approved: false });
    expect(passedOn[0]!.json).not.toHaveProperty('from');
  });

  it('Continue Only When Approved: a wait limit passes nothing on', async () => {
    api().post('/api/v1/approvals').reply(201, SAMPLE_PENDING_APPROVAL);
    const { record } = await execute(2, { limitWaitTime: true, limitType: 'afterTimeInterval', resumeAmount: 1, resumeUnit: 'minutes', options: { onlyApproved: true } });
    expect(record.executeData.data.main).toEqual([[]]);
  });

  it('Expire the Request: the request expires at the limit with on_expiry expire, and the resume URL names the limit', async () => {
    let sent: Record<string, unknown> = {};
    api().post('/api/v1/approvals', (b: Record<string, unknown>) => ((sent = b), true)).reply(201, SAMPLE_PENDING_APPROVAL);
    const { record } = await execute(2, {
      limitWaitTime: true, limitType: 'afterTimeInterval', resumeAmount: 3, resumeUnit: 'hours', onWaitLimit: 'expire',
      additionalFields: { on_expiry: 'approve' },
    });
    const limit = new URL(sent.callback_url as string).searchParams.get('wait_limit')!;
    expect(sent.expires_at).toBe(limit);
    expect(sent.on_expiry).toBe('expire');
    // Greenlight's expiry callback ends the wait; n8n's own timer is the fallback, five minutes later.
    expect(record.waitTill!.getTime() - Date.parse(limit)).toBe(5 * 60_000);
  });

  it('Expire the Request keeps an earlier Expires At, and its On Expiry', async () => {
    const own = new Date(Date.now() + 3_600_000).toISOString();
    let sent: Record<string, unknown> = {};
    api().post('/api/v1/approvals', (b: Record<string, unknown>) => ((sent = b), true)).reply(201, SAMPLE_PENDING_APPROVAL);
    await execute(2, { limitWaitTime: true, limitType: 'afterTimeInterval', resumeAmount: 1, resumeUnit: 'days', onWaitLimit: 'expire', additionalFields: { expires_at: own, on_expiry: 'reject' } });
    expect(Date.parse(sent.expires_at as string)).toBe(Date.parse(own));
    expect(sent.on_expiry).toBe('reject');
    expect(new URL(sent.callback_url as string).searchParams.get('wait_limit')).toBeNull();
  });
});

describe('v1 execute fails closed at a wait limit', () => {
  it('nothing is passed on (n8n would otherwise continue down Approved with the trigger item)', async () => {
    api().post('/api/v1/approvals').reply(201, SAMPLE_PENDING_APPROVAL);
    const { record } = await execute(1, { limitWaitTime: true, limitType: 'afterTimeInterval', resumeAmount: 1, resumeUnit: 'hours' });
    expect(record.executeData.data.main).toEqual([[]]);
  });
});

describe('v2 webhook: every outcome on the one output', () => {
  it.each([
    ['approval.approved', 'approved', 'Verified'],
    ['approval.rejected', 'rejected', 'Not now'],
    ['approval.cancelled', 'cancelled', null],
    ['approval.expired', 'expired', null],
  ] as const)('%s → decision %s', async (type, status, comment) => {
    secretServed();
    const { result } = await webhook(2, delivery(type, approvalAs(status, { decision_comment: comment }), comment ? { comment } : {}));
    expect(result.workflowData).toHaveLength(1);
    expect(result.workflowData![0]).toHaveLength(1);
    expect(result.workflowData![0]![0]!.json).toMatchObject({
      decision: status, approved: status === 'approved', comment, decider: { type: 'user', id: 'u1', name: 'Dana' }, approval_id: ID,
      event: { id: '99', type, delivery_id: 'dlv_1' },
    });
  });


  it('Continue Only When Approved: an approval continues', async () => {
    secretServed();
    const { result } = await webhook(2, delivery('approval.approved', approvalAs('approved')), { options: { onlyApproved: true } });
    expect(result.workflowData![0]![0]!.json).toMatchObject({ decision: 'approved', approved: true });
  });

  it('an expiry at the wait limit the node set is timed_out; any other expiry is expired', async () => {
    const limit = '2026-03-24T12:00:00.000Z';
    secretServed();
    const at = await webhook(2, delivery('approval.expired', approvalAs('expired', { expires_at: '2026-03-24T12:00:00Z' })), { query: { wait_limit: limit } });
    expect(at.result.workflowData![0]![0]!.json).toMatchObject({ decision: 'timed_out', approved: false });
    secretServed();
    const other = await webhook(2, delivery('approval.expired', approvalAs('expired', { expires_at: '2026-03-24T11:00:00Z' })), { query: { wait_limit: limit } });
    expect(other.result.workflowData![0]![0]!.json).toMatchObject({ decision: 'expired' });
  });
});

describe('webhook: what is not this execution’s decision changes nothing (v1 and v2)', () => {
  const cases: [string, () => { body: string; headers?: Record<string, string>; url?: string }, number | 'ignored'][] = [
    ['an unsigned call', () => ({ body: delivery('approval.approved', approvalAs('approved')), headers: { 'content-type': 'application/json' } }), 401],
    ['a forged body under a real signature', () => {
      const body = delivery('approval.rejected', approvalAs('rejected'));
      return { body: body.replace('approval.rejected', 'approval.approved').replace('"rejected"', '"approved"'), headers: signed(body) };
    }, 401],
    // The hijack: another request created with this execution's resume URL as its callback, approved, and signed by Greenlight.
    ['another request’s signed approval, sent to this resume URL as its callback', () => ({ body: deliveryOf(OTHER, 'approval.approved', approvalAs('approved', { id: OTHER })) }), 410],
    ['another request’s approval, unsigned', () => ({ body: deliveryOf(OTHER, 'approval.approved', approvalAs('approved', { id: OTHER })), headers: { 'content-type': 'application/json' } }), 401],
    ['a delivery naming this request but carrying another', () => ({ body: deliveryOf(ID, 'approval.approved', approvalAs('approved', { id: OTHER })) }), 410],
    ['a delivery naming another request but carrying this one', () => ({ body: deliveryOf(OTHER, 'approval.approved', approvalAs('approved')) }), 410],
    ['an org event about no request', () => ({ body: deliveryOf(null, 'approval.approved', null) }), 410],
    ['a signed delivery of this request naming another callback', () => ({ body: delivery('approval.approved', approvalAs('approved', { callback_url: 'https://n8n.example.test/webhook-waiting/41/node-1?signature=x' })) }), 410],
    ['a signed delivery for no callback', () => ({ body: delivery('approval.approved', approvalAs('approved', { callback_url: null })) }), 410],
    ['a signed delivery without its request', () => ({ body: delivery('approval.approved', null) }), 410],
    ['signed garbage', () => ({ body: 'not json {' }), 400],
    ['a signed body that is no delivery', () => ({ body: '"approval.approved"' }), 400],
    ['a signed empty object', () => ({ body: '{}' }), 400],
    ['an approval event whose request says pending', () => ({ body: delivery('approval.approved', approvalAs('pending')) }), 'ignored'],
    ['an approval event whose request says rejected', () => ({ body: delivery('approval.approved', approvalAs('rejected')) }), 'ignored'],
    ['a non-final event', () => ({ body: delivery('approval.created', approvalAs('pending')) }), 'ignored'],
    ['an unknown event', () => ({ body: delivery('approval.escalated', approvalAs('approved')) }), 'ignored'],
    ['a status where the type belongs', () => ({ body: delivery('approved', approvalAs('approved')) }), 'ignored'],
  ];

  it.each(cases.flatMap(([name, make, expected]) => ([1, 2] as const).map((v) => [v, name, make, expected] as const)))('v%i, %s: no resume', async (version, _, make, expected) => {
    secretServed();
    const { body, headers, url } = make();
    const { result, response } = await webhook(version, body, { ...(headers ? { headers } : {}), ...(url ? { url } : {}) });
    expect(result.workflowData).toBeUndefined();
    if (expected === 'ignored') expect(result.webhookResponse).toMatchObject({ ignored: expect.any(String) });
    else expect(response.status).toBe(expected);
  });

  it.each([1, 2] as const)('v%i: Greenlight unreachable while checking the signature → 503, no resume (n8n would resume on a throw)', async (version) => {
    api().get('/api/v1/callback-secret').reply(500, { error: { code: 'INTERNAL', message: 'boom', request_id: 'req_1' } });
    const { result, response } = await webhook(version, delivery('approval.approved', approvalAs('approved')));
    expect(result).toEqual({ noWebhookResponse: true });
    expect(response).toEqual({ status: 503, body: { error: 'unavailable', retry: true } });
  });
});

describe('whose decision it is: the request id the execution kept', () => {
  it.each([1, 2] as const)('v%i: the hijack is refused (410), the execution keeps waiting, and its own decision then resumes it', async (version) => {
    const execution = { customData: { ...BOUND } };
    secretServed();
    const hijack = await webhook(version, deliveryOf(OTHER, 'approval.approved', approvalAs('approved', { id: OTHER })), execution);
    expect(hijack.result.workflowData).toBeUndefined();
    expect(hijack.response).toEqual({ status: 410, body: { error: 'not_this_request' } });
    secretServed();
    const own = await webhook(version, delivery('approval.approved', approvalAs('approved')), execution);
    expect(own.result.workflowData![0]).toEqual([expect.objectContaining({ json: expect.objectContaining({ decision: 'approved', approval_id: ID }) })]);
  });

  it.each([1, 2] as const)('v%i: an execution that kept no id resumes for nothing (409, Greenlight retries)', async (version) => {
    secretServed();
    const { result, response } = await webhook(version, delivery('approval.approved', approvalAs('approved')), { customData: {}, executeData: { data: { main: [[]] }, node: { ...NODE_OF_TEST, disabled: true } } });
    expect(result.workflowData).toBeUndefined();
    expect(response.status).toBe(409);
  });

  it('a version 2 execution that began waiting before ids were kept: the id in its stored timeout item binds it', async () => {
    const executeData = { data: { main: [[{ json: { decision: 'timed_out', approval_id: ID } }]] }, node: { ...NODE_OF_TEST, disabled: true } };
    secretServed();
    const other = await webhook(2, deliveryOf(OTHER, 'approval.approved', approvalAs('approved', { id: OTHER })), { customData: {}, executeData });
    expect(other.response.status).toBe(410);
    secretServed();
    const own = await webhook(2, delivery('approval.rejected', approvalAs('rejected')), { customData: {}, executeData });
    expect(own.result.workflowData![0]![0]!.json).toMatchObject({ decision: 'rejected', approval_id: ID });
  });

  it('the reservation made before the request exists binds nothing', async () => {
    secretServed();
    const { response } = await webhook(2, delivery('approval.approved', approvalAs('approved')), { customData: { greenlight_approval_id: '-' }, executeData: { data: { main: [[]] }, node: { ...NODE_OF_TEST, disabled: true } } });
    expect(response.status).toBe(409);
  });
});

describe('how long a wait was, in words', () => {
  it.each([
    [0, '0 s'], [45_000, '45 s'], [59_400, '59 s'], [60_000, '1 min'], [30 * 60_000, '30 min'], [3_599_990, '1 h'], [64 * 60_000, '64 min'],
    [90 * 60_000, '90 min'], [2 * 3_600_000, '2 h'], [36 * 3_600_000, '36 h'], [48 * 3_600_000, '2 d'], [50 * 3_600_000, '50 h'], [7 * 86_400_000, '7 d'],
  ])('%i ms → %s', (ms, text) => {
    expect(spoken(ms)).toBe(text);
  });
});

describe('a refusal fails the execution with its reason ("Continue Only When Approved", and version 1)', () => {
  const refusals = [
    ['approval.rejected', approvalAs('rejected', { decision_comment: 'not on a Friday' }), { comment: 'not on a Friday' }, {}, 'Rejected by Dana: not on a Friday'],
    ['approval.rejected', approvalAs('rejected', { decision_comment: null, revoked_at: '2026-03-24T10:06:00.000Z' }), {}, {}, 'Approval revoked by Dana'],
    ['approval.cancelled', approvalAs('cancelled'), {}, {}, 'Cancelled by Dana'],
    ['approval.expired', approvalAs('expired', { expires_at: '2026-03-24T11:00:00.000Z' }), {}, {}, 'Expired without a decision at 2026-03-24T11:00:00.000Z'],
    // The request was made just after the node set its limit of 1 h, to expire then: the node's own timeout.
    ['approval.expired', approvalAs('expired', { created_at: '2026-03-24T10:03:40.012Z', expires_at: '2026-03-24T11:03:40.000Z' }), {}, { wait_limit: '2026-03-24T11:03:40.000Z' }, 'Timed out after 1 h'],
  ] as const;

  it.each(refusals.flatMap((r) => ([1, 2] as const).map((v) => [v, ...r] as const)))(
    'v%i, %s: webhook() re-enables the node; its execute() then fails with the reason',
    async (version, type, approval, details, query, message) => {
      secretServed();
      const { result, record } = await webhook(version, delivery(type, approval, details), { query, ...(version === 2 ? { options: { onlyApproved: true } } : {}) });
      // The decision is the input of the node n8n runs again, which is enabled again in the stack entry n8n resumes from.
      expect(result.workflowData).toEqual([[{ json: expect.objectContaining({ approved: false, approval_id: ID }), pairedItem: { item: 0 } }]]);
      expect(record.executeData.node.disabled).toBe(false);
      // n8n runs execute() with that stack entry: no request is made, the node fails.
      const error = await execute(version, {}, { executeData: record.executeData }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(n8nWorkflow.NodeOperationError);
      expect((error as Error).message).toBe(message);
      expect((error as { description?: string }).description).toContain(`(${ID}) was not approved`);
    },
  );

  it.each([1, 2] as const)('v%i: with Continue On Fail nothing is passed on, on any output', async (version) => {
    secretServed();
    const { record } = await webhook(version, delivery('approval.rejected', approvalAs('rejected')), version === 2 ? { options: { onlyApproved: true } } : {});
    const { out } = await execute(version, {}, { executeData: record.executeData, continueOnFail: true });
    expect(out).toEqual(version === 1 ? [[], [], []] : [[]]);
  });

  it.each([1, 2] as const)('v%i: an n8n whose webhook context holds no stack entry: resumes into nothing', async (version) => {
    secretServed();
    const { result } = await webhook(version, delivery('approval.cancelled', approvalAs('cancelled')), { noStackEntry: true, ...(version === 2 ? { options: { onlyApproved: true } } : {}) });
    expect(result.workflowData).toEqual([[]]);
  });

  it('an approval is no refusal: it continues, the node stays disabled', async () => {
    secretServed();
    const { result, record } = await webhook(2, delivery('approval.approved', approvalAs('approved')), { options: { onlyApproved: true } });
    expect(result.workflowData![0]![0]!.json).toMatchObject({ decision: 'approved', approved: true });
    expect(record.executeData.node.disabled).toBe(true);
  });

  it('without "Continue Only When Approved", a rejection continues with the decision', async () => {
    secretServed();
    const { result, record } = await webhook(2, delivery('approval.rejected', approvalAs('rejected')));
    expect(result.workflowData![0]![0]!.json).toMatchObject({ decision: 'rejected', approved: false });
    expect(record.executeData.node.disabled).toBe(true);
  });
});
