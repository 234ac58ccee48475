/**
 * Answers through the built n8n package against the real server (mocked n8n contexts, as
 * n8n-e2e.test.ts): a request made with a response schema and an editable field (JSON parameters,
 * as n8n's editor gives them), approved with an answer and an edit, and the item each way on
 * carries them where an expression reads them (`$json.response.amount`): Request and Wait resumed
 * by its callback, the Greenlight node's Approve, the REST-hook trigger. Bad JSON is an error naming
 * the parameter, before any call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, startReceiver, type TestReceiver } from '@greenlight/server/testing';
import { context, loadNodes } from '../packages/n8n-nodes-greenlight/test/context.mts';

let server: harness.TestServer;
let receiver: TestReceiver;
let nodes: ReturnType<typeof loadNodes>;

beforeAll(async () => {
  nodes = loadNodes();
  server = await harness.startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '50' } });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await server?.stop();
});

type Params = Record<string, unknown>;

const SCHEMA = {
  type: 'object',
  properties: {
    amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
  },
  required: ['amount'],
};
/** The request's answer fields as the editor's JSON parameters hold them: text. */
const answerFields = { metadata: '{"order":1042,"note":"Refund as asked"}', response_schema: JSON.stringify(SCHEMA), editable: '["metadata.note"]' };
const EDITS = { 'metadata.note': 'Refund 120, not the full amount' };
const APPROVED = {
  response: { amount: 120, region: 'eu' },
  edits: [{ path: 'metadata.note', before: 'Refund as asked', after: 'Refund 120, not the full amount' }],
  approved_content: { metadata: { order: 1042, note: 'Refund 120, not the full amount' }, changes: null },
};

async function setup() {
  const seed = await harness.seedOrg(server.db, 'n8n answers');
  const approver = await seed.newKey({ name: 'approver' });
  const as = (apiKey: string) => async (parameters: Params) => {
    const c = context({ baseUrl: server.url, apiKey, parameters: { authentication: 'apiKey', additionalFields: {}, ...parameters } });
    return (await nodes.Greenlight.execute.call(c.ctx))[0]!.map((i) => i.json);
  };
  return { seed, approverKey: approver.key, requester: as(seed.key), approver: as(approver.key) };
}

const createParams = (additionalFields: Params) => ({ resource: 'approval', operation: 'create', title: 'Refund order 1042', description: 'Customer asked twice', priority: 'medium', additionalFields });

describe('answers in the n8n nodes', () => {
  it('the request parameters: Response Schema and Editable are JSON, with help, and Editable starts as a list', () => {
    const fields = (nodes.Greenlight.description.properties.find((p) => p.name === 'additionalFields' && p.displayOptions?.show?.operation?.includes('create'))?.options ?? []) as {
      name: string;
      type: string;
      default: unknown;
      description?: string;
    }[];
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    expect(byName.response_schema).toMatchObject({ type: 'json', default: '{}', description: expect.stringContaining('What the reviewer answers when approving') });
    expect(byName.editable).toMatchObject({ type: 'json', default: '[]', description: expect.stringContaining('may change before approving') });
    const decide = (nodes.Greenlight.description.properties.find((p) => p.name === 'additionalFields' && p.displayOptions?.show?.operation?.includes('decide'))?.options ?? []) as { name: string; type: string }[];
    expect(decide.filter((f) => f.name === 'response' || f.name === 'edits').map((f) => [f.name, f.type])).toEqual([
      ['edits', 'json'],
      ['response', 'json'],
    ]);
  });

  it('Create with a schema, Approve with an answer and an edit: the items carry the answer, the edit and what was approved; the REST-hook trigger too', async () => {
    const { seed, requester, approver } = await setup();
    const hookUrl = `${receiver.url}/webhook/${Math.floor(Math.random() * 1e9)}/webhook`;
    const params = { authentication: 'apiKey', event: 'approval_decided', outcomes: ['approved'] };
    const trigger = context({ baseUrl: server.url, apiKey: seed.key, parameters: params, webhookUrl: hookUrl });
    expect(await nodes.GreenlightTrigger.webhookMethods.default.create.call(trigger.ctx)).toBe(true);

    const [created] = await requester(createParams(answerFields));
    expect(created).toMatchObject({ status: 'pending', response_schema: SCHEMA, editable: ['metadata.note'], response: null, approved_content: null });

    const [decided] = await approver({
      resource: 'approval',
      operation: 'decide',
      approvalId: created!.id,
      decision: 'approve',
      additionalFields: { response: '{"amount":120}', edits: JSON.stringify(EDITS) },
    });
    expect(decided).toMatchObject({ status: 'approved', ...APPROVED });

    await receiver.until(() => receiver.received.some((r) => r.path.startsWith(new URL(hookUrl).pathname) && r.body.includes(created!.id as string)));
    const delivery = receiver.received.find((r) => r.path.startsWith(new URL(hookUrl).pathname) && r.body.includes(created!.id as string))!;
    const hook = context({ baseUrl: server.url, apiKey: seed.key, parameters: params, staticData: trigger.staticData, request: { headers: delivery.headers as Record<string, string>, rawBody: Buffer.from(delivery.body) } });
    const result = await nodes.GreenlightTrigger.webhook.call(hook.ctx);
    expect(result.workflowData![0]!.map((i) => i.json)).toEqual([expect.objectContaining({ id: created!.id, ...APPROVED })]);
    await nodes.GreenlightTrigger.webhookMethods.default.delete.call(trigger.ctx);
  });

  it('Request and Wait (version 2): the resumed item has response, edits and approved_content at its top', async () => {
    const { seed, approverKey } = await setup();
    const resumeUrl = `${receiver.url}/webhook-waiting/${Math.floor(Math.random() * 1e9)}/node-1?signature=tok`;
    const c = context({
      baseUrl: server.url,
      apiKey: seed.key,
      resumeUrl,
      parameters: { authentication: 'apiKey', title: 'Refund order 1042', description: 'Customer asked twice', priority: 'medium', additionalFields: answerFields, limitWaitTime: false, options: {} },
    });
    const parked = await nodes.GreenlightRequestAndWaitV2.execute.call(c.ctx);
    const id = (parked[0]![0]!.json as { approval_id: string }).approval_id;

    await server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', response: { amount: 120 }, edits: EDITS }).expect(200);
    await receiver.until(() => receiver.received.some((r) => r.body.includes(id) && r.body.includes('approval.approved')));
    const delivery = receiver.received.find((r) => r.body.includes(id) && r.body.includes('approval.approved'))!;

    const resumed = context({
      baseUrl: server.url,
      apiKey: seed.key,
      parameters: { authentication: 'apiKey', options: {} },
      request: { url: resumeUrl.slice(receiver.url.length), headers: delivery.headers as Record<string, string>, rawBody: Buffer.from(delivery.body) },
      customData: c.record.customData,
    });
    const outputs = (await nodes.GreenlightRequestAndWaitV2.webhook.call(resumed.ctx)).workflowData!;
    const item = outputs[0]![0]!.json as Record<string, unknown>;
    expect(item).toMatchObject({ decision: 'approved', approved: true, approval_id: id, ...APPROVED });
    expect(item.approval).toMatchObject(APPROVED);
    const stored = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body as { approved_content_sha256: string };
    expect(item.approved_content_sha256).toBe(stored.approved_content_sha256);
  });

  it('a rejection carries no answer: response and approved_content are null, edits empty', async () => {
    const { seed, approverKey } = await setup();
    const resumeUrl = `${receiver.url}/webhook-waiting/${Math.floor(Math.random() * 1e9)}/node-1?signature=tok`;
    const c = context({
      baseUrl: server.url,
      apiKey: seed.key,
      resumeUrl,
      parameters: { authentication: 'apiKey', title: 'Refund order 7', description: 'x', priority: 'low', additionalFields: answerFields, limitWaitTime: false, options: {} },
    });
    const id = ((await nodes.GreenlightRequestAndWaitV2.execute.call(c.ctx))[0]![0]!.json as { approval_id: string }).approval_id;
    await server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject', comment: 'No' }).expect(200);
    await receiver.until(() => receiver.received.some((r) => r.body.includes(id) && r.body.includes('approval.rejected')));
    const delivery = receiver.received.find((r) => r.body.includes(id) && r.body.includes('approval.rejected'))!;
    const resumed = context({
      baseUrl: server.url,
      apiKey: seed.key,
      parameters: { authentication: 'apiKey', options: {} },
      request: { url: resumeUrl.slice(receiver.url.length), headers: delivery.headers as Record<string, string>, rawBody: Buffer.from(delivery.body) },
      customData: c.record.customData,
    });
    const item = (await nodes.GreenlightRequestAndWaitV2.webhook.call(resumed.ctx)).workflowData![0]![0]!.json;
    expect(item).toMatchObject({ decision: 'rejected', response: null, edits: [], approved_content: null });
  });

  it('bad JSON in Response Schema is an error naming it, before any call; a schema the server refuses names the field', async () => {
    const { seed, requester } = await setup();
    await expect(requester(createParams({ ...answerFields, response_schema: '{"type": "object", properties: {}' }))).rejects.toMatchObject({ message: 'Response schema is not valid JSON' });
    await expect(requester(createParams({ ...answerFields, response_schema: '{}' }))).rejects.toMatchObject({ httpCode: '400', message: expect.stringContaining('response_schema') });
    const { body } = await server.http(seed.key).get('/api/v1/approvals').expect(200);
    expect((body as { data: unknown[] }).data).toEqual([]);
  });
});
