/**
 * "Greenlight Request and Wait" v2 and v1 with mocked n8n contexts and nock in place of Greenlight,
 * shaped after what n8n 2.x does on a resume (see the node's shared/wait.ts): webhook() must put
 * every outcome on the first output, never throw, and resume only for this execution's own signed
 * decision; execute() must leave in the execution's stack entry exactly what a wait limit produces.
 * The same node inside a running n8n: test/n8n-real-wait.test.ts.
 */
import nock from 'nock';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL, signWebhook } from '@greenlight/triggers';
import { context, loadNodes, n8nWorkflow } from './context.mts';
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

const create = { title: 'Deploy', description: 'Ship it', priority: 'high', additionalFields: {} };
const execute = async (version: 1 | 2, parameters: Record<string, unknown>) => {
  const c = context({ baseUrl: BASE, apiKey: KEY, parameters: { authentication: 'apiKey', limitWaitTime: false, options: {}, ...create, ...parameters }, resumeUrl: RESUME, items: [{ from: 'trigger' }] });
  const node = version === 1 ? nodes.GreenlightRequestAndWait : nodes.GreenlightRequestAndWaitV2;
  const out = await node.execute.call(c.ctx);
  return { out, record: c.record };
};

const approvalAs = (status: string, extra: Record<string, unknown> = {}) => ({ ...SAMPLE_DECIDED_APPROVAL, status, callback_url: RESUME, ...extra });
const delivery = (type: unknown, approval: unknown, details: object = {}) =>
  JSON.stringify({
    type,
    timestamp: '2026-03-24T10:05:12.000Z',
    data: { event_id: '99', org_id: SAMPLE_PENDING_APPROVAL.org_id, approval_id: ID, actor: { type: 'user', id: 'u1', name: 'Dana' }, from_status: 'pending', to_status: 'x', details, approval },
  });
const signed = (body: string, id = 'dlv_1') => {
  const ts = Math.floor(Date.now() / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signWebhook(SECRET, id, ts, body), 'content-type': 'application/json' };
};
const webhook = async (version: 1 | 2, body: string, extra: { headers?: Record<string, string>; url?: string; query?: Record<string, string>; options?: object } = {}) => {
  const c = context({
    baseUrl: BASE,
    apiKey: KEY,
    parameters: { authentication: 'apiKey', options: extra.options ?? {} },
    request: { url: extra.url ?? CALLED, headers: extra.headers ?? signed(body), rawBody: Buffer.from(body), query: extra.query ?? {} },
  });
  const node = version === 1 ? nodes.GreenlightRequestAndWait : nodes.GreenlightRequestAndWaitV2;
  return { result: await node.webhook.call(c.ctx), response: c.record.response };
};

describe('v2 is the default version and has one output', () => {
  it('the versioned node defaults to 2; v2 has one output, v1 three', () => {
    const { description } = loadNodes().GreenlightRequestAndWaitV2;
    expect(description.version).toBe(2);
    expect(description.outputs).toHaveLength(1);
    expect(nodes.GreenlightRequestAndWait.description.outputs).toHaveLength(3);
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
    expect(sent.expires_at).toBe(record.waitTill!.toISOString());
    expect(sent.on_expiry).toBe('expire');
    expect(new URL(sent.callback_url as string).searchParams.get('wait_limit')).toBe(record.waitTill!.toISOString());
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

  it.each(['approval.rejected', 'approval.cancelled', 'approval.expired'])('Continue Only When Approved: %s resumes with nothing', async (type) => {
    secretServed();
    const { result } = await webhook(2, delivery(type, approvalAs(type.replace('approval.', ''))), { options: { onlyApproved: true } });
    expect(result.workflowData).toEqual([[]]);
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
    ['a signed delivery for another request (replayed here)', () => ({ body: delivery('approval.approved', approvalAs('approved', { callback_url: 'https://n8n.example.test/webhook-waiting/41/node-1?signature=x' })) }), 409],
    ['a signed delivery for no callback', () => ({ body: delivery('approval.approved', approvalAs('approved', { callback_url: null })) }), 409],
    ['a signed delivery without its request', () => ({ body: delivery('approval.approved', null) }), 409],
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

describe('v1 webhook still routes by output, approved only on Approved', () => {
  it.each([
    ['approval.approved', 'approved', 0],
    ['approval.rejected', 'rejected', 1],
    ['approval.cancelled', 'cancelled', 2],
    ['approval.expired', 'expired', 2],
  ] as const)('%s → output %i', async (type, status, output) => {
    secretServed();
    const { result } = await webhook(1, delivery(type, approvalAs(status)));
    expect(result.workflowData!.map((o) => o.length)).toEqual([0, 1, 2].map((i) => (i === output ? 1 : 0)));
    expect(result.workflowData![0]!.every((i) => i.json.approved === true)).toBe(true);
  });
});
