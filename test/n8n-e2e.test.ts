/**
 * The built n8n package against the REAL Greenlight server (in-process, on a loopback port), with
 * mocked n8n contexts: every operation of the Greenlight node; "request and wait" from creation,
 * through a decision, to the signed callback reaching a local receiver standing in for n8n's resume
 * URL, then the node's webhook() continuing on Approved or failing the execution (it binds the request it made); the REST-hook trigger's subscribe → event →
 * workflow data → unsubscribe; the polling trigger over many events, none missed or repeated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, startReceiver, usePolicies, type TestReceiver } from '@greenlight/server/testing';
import { verifyWebhook } from '@greenlight/triggers';
import { context, loadNodes, n8nWorkflow } from '../packages/n8n-nodes-greenlight/test/context.mts';

let server: harness.TestServer;
let receiver: TestReceiver;
let nodes: ReturnType<typeof loadNodes>;

beforeAll(async () => {
  nodes = loadNodes();
  // Loopback receivers are internal addresses: allowed explicitly, as a self-hoster would for n8n.
  server = await harness.startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '50' } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await server?.stop();
});

type Params = Record<string, unknown>;

async function setup() {
  const seed = await harness.seedOrg(server.db, 'n8n');
  const approver = await seed.newKey({ name: 'approver' });
  const as = (apiKey: string) => ({
    exec: async (parameters: Params, extra: Params = {}) => {
      const c = context({ baseUrl: server.url, apiKey, parameters: { authentication: 'apiKey', additionalFields: {}, ...parameters }, ...extra });
      return (await nodes.Greenlight.execute.call(c.ctx))[0]!.map((i) => i.json);
    },
  });
  return { seed, requester: as(seed.key), approver: as(approver.key), approverKey: approver.key };
}

const createParams = (overrides: Params = {}) => ({ resource: 'approval', operation: 'create', title: 'Deploy v2', description: 'Friday deploy', priority: 'high', ...overrides });

describe('Greenlight node against the server', () => {
  it('approval: create, get, get many with filters, decide, cancel', async () => {
    const { requester, approver } = await setup();
    const [a] = await requester.exec(createParams({ additionalFields: { external_id: 'EXT-1', tags: '{"env":"prod"}', metadata: '{"run":1}' } }));
    expect(a).toMatchObject({ title: 'Deploy v2', status: 'pending', external_id: 'EXT-1', tags: { env: 'prod' }, metadata: { run: 1 } });
    const [b] = await requester.exec(createParams({ title: 'Second', priority: 'low' }));

    expect((await requester.exec({ resource: 'approval', operation: 'get', approvalId: a!.id }))[0]).toMatchObject({ id: a!.id });
    const all = await requester.exec({ resource: 'approval', operation: 'getAll', returnAll: true, filters: {} });
    expect(all.map((x) => x.id)).toEqual([b!.id, a!.id]);
    const high = await requester.exec({ resource: 'approval', operation: 'getAll', returnAll: false, limit: 10, filters: { priority: ['high'], external_id: 'EXT-1' } });
    expect(high.map((x) => x.id)).toEqual([a!.id]);
    expect(await requester.exec({ resource: 'approval', operation: 'getAll', returnAll: false, limit: 1, filters: {} })).toHaveLength(1);

    const [decided] = await approver.exec({ resource: 'approval', operation: 'decide', approvalId: a!.id, decision: 'approve', additionalFields: { comment: 'ship it' } });
    expect(decided).toMatchObject({ status: 'approved', decision_comment: 'ship it' });
    const [cancelled] = await requester.exec({ resource: 'approval', operation: 'cancel', approvalId: b!.id });
    expect(cancelled).toMatchObject({ status: 'cancelled' });
  });

  it('comment: add and get many; step: configure, get many, vote', async () => {
    const { seed, requester, approver } = await setup();
    const [a] = await requester.exec(createParams());
    const [comment] = await requester.exec({ resource: 'comment', operation: 'add', approvalId: a!.id, body: 'Checked the logs' });
    expect(comment).toMatchObject({ body: 'Checked the logs' });
    expect((await requester.exec({ resource: 'comment', operation: 'getAll', approvalId: a!.id })).map((c) => c.id)).toEqual([comment!.id]);

    const configured = await requester.exec({ resource: 'step', operation: 'configure', approvalId: a!.id, steps: JSON.stringify([{ approver_id: seed.admin.id, step_order: 1 }]) });
    expect(configured).toHaveLength(1);
    const listed = await requester.exec({ resource: 'step', operation: 'getAll', approvalId: a!.id });
    expect(listed.map((s) => s.id)).toEqual(configured.map((s) => s.id));
    // An API key votes on a step that names a person: the org lets keys decide steps that do not name them.
    await server.db.query('UPDATE orgs SET admin_override = true WHERE id = $1', [seed.org.id]);
    const [voted] = await approver.exec({ resource: 'step', operation: 'vote', approvalId: a!.id, stepId: configured[0]!.id, decision: 'approve', additionalFields: { comment: 'LGTM' } });
    expect(voted).toMatchObject({ status: 'approved', comment: 'LGTM' });
  });

  it('an API failure is a NodeApiError with the server message; continueOnFail turns it into an item', async () => {
    const { requester } = await setup();
    const missing = '00000000-0000-4000-8000-000000000000';
    await expect(requester.exec({ resource: 'approval', operation: 'get', approvalId: missing })).rejects.toMatchObject({ message: 'approval request not found', httpCode: '404' });
    const out = await requester.exec({ resource: 'approval', operation: 'get', approvalId: missing }, { continueOnFail: true });
    expect(out).toEqual([{ error: 'approval request not found', description: expect.stringMatching(/^NOT_FOUND \(request req_/) }]);
  });
});

describe('Request and Wait, end to end', () => {
  it.each([
    ['approve', 'approved', 'ship it', null],
    ['reject', 'rejected', 'not on a Friday', 'Rejected by approver: not on a Friday'],
    ['cancel', 'cancelled', null, 'Cancelled by primary'],
  ] as const)('version 1, %s → the signed callback reaches the resume URL; webhook() continues on Approved, or n8n runs the node again to fail', async (action, decision, comment, failure) => {
    const { approverKey, seed } = await setup();
    const resumeUrl = `${receiver.url}/webhook-waiting/${Math.floor(Math.random() * 1e9)}/node-1?signature=tok`;
    const c = context({
      baseUrl: server.url, apiKey: seed.key, resumeUrl,
      parameters: { authentication: 'apiKey', title: 'Wait for me', description: 'Pause', priority: 'medium', additionalFields: { external_id: `wait-${action}` }, limitWaitTime: false, options: {} },
    });
    const parked = await nodes.GreenlightRequestAndWait.execute.call(c.ctx);
    expect(c.record.waitTill).toEqual(n8nWorkflow.WAIT_INDEFINITELY);
    const created = parked[2]![0]!.json as { approval_id: string };
    const stored = await server.http(seed.key).get(`/api/v1/approvals/${created.approval_id}`);
    expect(stored.body.callback_url).toBe(resumeUrl);

    if (action === 'cancel') await server.http(seed.key).delete(`/api/v1/approvals/${created.approval_id}`).expect(200);
    else await server.http(approverKey).patch(`/api/v1/approvals/${created.approval_id}`).send({ decision: action, comment }).expect(200);

    await receiver.until(() => receiver.received.some((r) => r.body.includes(created.approval_id)));
    const delivery = receiver.received.find((r) => r.body.includes(created.approval_id))!;
    const { secret } = (await server.http(seed.key).get('/api/v1/callback-secret')).body as { secret: string };
    expect(() => verifyWebhook({ secret, headers: delivery.headers as Record<string, string>, body: delivery.body })).not.toThrow();

    const resumed = context({
      baseUrl: server.url, apiKey: seed.key, parameters: { authentication: 'apiKey', options: {} },
      // n8n received it on the resume URL, which is the request's callback_url; the same execution, with the id execute() kept.
      request: { url: resumeUrl.slice(receiver.url.length), headers: delivery.headers as Record<string, string>, rawBody: Buffer.from(delivery.body) },
      customData: c.record.customData,
    });
    expect(c.record.customData).toEqual({ greenlight_approval_id: created.approval_id });
    const result = await nodes.GreenlightRequestAndWait.webhook.call(resumed.ctx);
    const outputs = result.workflowData!;
    // n8n passes on the first output only: Approved, or the decision for the node it runs again.
    expect(outputs.map((o) => o.length)).toEqual(failure ? [1] : [1, 0, 0]);
    const item = outputs[0]![0]!.json as Record<string, unknown>;
    if (failure) {
      const rerun = context({ baseUrl: server.url, apiKey: seed.key, parameters: {}, executeData: resumed.record.executeData });
      await expect(nodes.GreenlightRequestAndWait.execute.call(rerun.ctx)).rejects.toMatchObject({ message: failure });
    }
    const final = (await server.http(seed.key).get(`/api/v1/approvals/${created.approval_id}`)).body as Record<string, unknown>;
    expect(item).toMatchObject({ decision, comment, approval_id: created.approval_id, approved_content_sha256: final.approved_content_sha256 });
    expect(item.decider).toMatchObject({ type: 'connection' });
    if (action === 'approve') expect(final.approved_content_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('Request and Wait, decided by a policy as the request is made', () => {
  it.each([
    ['read.logs', 'approved', null],
    ['db.drop', 'rejected', 'Rejected by policy no-drops: dropping needs a person'],
  ] as const)('%s → the signed callback resumes the execution as a person’s decision would, naming the policy', async (actionType, decision, failure) => {
    const { seed } = await setup();
    await usePolicies(server, seed);
    const resumeUrl = `${receiver.url}/webhook-waiting/${Math.floor(Math.random() * 1e9)}/node-1?signature=tok`;
    const c = context({
      baseUrl: server.url, apiKey: seed.key, resumeUrl,
      parameters: { authentication: 'apiKey', title: 'Auto', description: 'x', priority: 'low', additionalFields: { action_type: actionType }, limitWaitTime: false, options: {} },
    });
    const parked = await nodes.GreenlightRequestAndWait.execute.call(c.ctx);
    const created = parked[2]![0]!.json as { approval_id: string };
    await receiver.until(() => receiver.received.some((r) => r.body.includes(created.approval_id)));
    const delivery = receiver.received.find((r) => r.body.includes(created.approval_id))!;
    const resumed = context({
      baseUrl: server.url, apiKey: seed.key, parameters: { authentication: 'apiKey', options: {} },
      request: { url: resumeUrl.slice(receiver.url.length), headers: delivery.headers as Record<string, string>, rawBody: Buffer.from(delivery.body) },
      customData: c.record.customData,
    });
    const outputs = (await nodes.GreenlightRequestAndWait.webhook.call(resumed.ctx)).workflowData!;
    const item = outputs[0]![0]!.json as Record<string, unknown>;
    expect(item).toMatchObject({ decision, approval_id: created.approval_id, decider: { type: 'system', name: actionType === 'db.drop' ? 'policy no-drops' : 'policy reads-are-safe' } });
    expect(item.approval).toMatchObject({ decided_by_type: 'policy' });
    if (failure) {
      const rerun = context({ baseUrl: server.url, apiKey: seed.key, parameters: {}, executeData: resumed.record.executeData });
      await expect(nodes.GreenlightRequestAndWait.execute.call(rerun.ctx)).rejects.toMatchObject({ message: failure });
    }
  });
});

describe('Greenlight Trigger (REST hook), end to end', () => {
  it('subscribe → event → verified delivery → workflow data → unsubscribe', async () => {
    const { seed, requester } = await setup();
    const hookUrl = `${receiver.url}/webhook/${Math.floor(Math.random() * 1e9)}/webhook`;
    const params = { authentication: 'apiKey', event: 'new_approval' };
    const c = context({ baseUrl: server.url, apiKey: seed.key, parameters: params, webhookUrl: hookUrl });
    const methods = nodes.GreenlightTrigger.webhookMethods.default;
    expect(await methods.checkExists.call(c.ctx)).toBe(false);
    expect(await methods.create.call(c.ctx)).toBe(true);
    expect(await methods.checkExists.call(c.ctx)).toBe(true);

    const [a] = await requester.exec(createParams({ title: 'Hooked' }));
    await receiver.until(() => receiver.received.some((r) => r.headers.host && r.body.includes(a!.id as string) && r.body.includes('approval.created')));
    const delivery = receiver.received.find((r) => r.body.includes(a!.id as string) && r.body.includes('approval.created'))!;
    const hook = context({ baseUrl: server.url, apiKey: seed.key, parameters: params, staticData: c.staticData, request: { headers: delivery.headers as Record<string, string>, rawBody: Buffer.from(delivery.body) } });
    const result = await nodes.GreenlightTrigger.webhook.call(hook.ctx);
    expect(result.workflowData![0]!.map((i) => i.json.id)).toEqual([a!.id]);

    const subscriptionId = c.staticData.subscriptionId as string;
    expect(await methods.delete.call(c.ctx)).toBe(true);
    await server.http(seed.key).get(`/api/v1/webhooks/${subscriptionId}`).expect(404);
    expect(await methods.delete.call(c.ctx)).toBe(true);
  });
});

describe('Greenlight Polling Trigger, end to end', () => {
  it('many events over several polls: each emitted exactly once', async () => {
    const { seed, requester } = await setup();
    const params = { authentication: 'apiKey', event: 'new_approval' };
    const staticData = {};
    const pollOnce = async () => {
      const c = context({ baseUrl: server.url, apiKey: seed.key, parameters: params, staticData });
      const out = await nodes.GreenlightPollingTrigger.poll.call(c.ctx);
      return out ? out[0]!.map((i) => i.json.id as string) : [];
    };
    await requester.exec(createParams({ title: 'before the trigger' }));
    expect(await pollOnce()).toEqual([]);

    const created: string[] = [];
    const emitted: string[] = [];
    for (let round = 0; round < 4; round++) {
      const batch = await requester.exec(createParams({ title: `round ${round}` }), { items: Array.from({ length: 30 }, () => ({})) });
      created.push(...batch.map((x) => x.id as string));
      emitted.push(...(await pollOnce()));
      if (round % 2 === 1) expect(await pollOnce()).toEqual([]);
    }
    expect(emitted).toHaveLength(created.length);
    expect(new Set(emitted)).toEqual(new Set(created));
  });
});
