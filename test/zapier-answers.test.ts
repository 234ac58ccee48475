/**
 * Answers through the Zapier app, run by Zapier's own runtime against the real server: a request
 * made with a response schema and an editable field (typed as JSON text, as the Zap editor sends
 * it), the answer's fields offered to later steps, the request approved with an answer and an edit,
 * and every way a Zap continues (the paused step resumed by its callback, the REST hook's delivery,
 * the approve step itself, which asks the request's questions one input each) carrying the answer,
 * the edit and what was approved. Bad JSON is refused before any call; a schema the server refuses
 * names the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, startReceiver, type Received, type SeededOrg, type TestReceiver, type TestServer } from '@greenlight/server/testing';
import { App, createAppHandler, runAt as run } from '../packages/zapier/test/runtime.ts';

const handler = createAppHandler(App);

let server: TestServer;
let receiver: TestReceiver;

beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } });
  receiver = await startReceiver();
  process.env.GREENLIGHT_BASE_URL = server.url;
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await server?.stop();
}, 60_000);

const SCHEMA = {
  type: 'object',
  properties: {
    amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    notify: { type: 'boolean', title: 'Tell the customer' },
  },
  required: ['amount'],
};

/** What the Zap editor hands the step: every value as text, JSON included. */
const requestInput = (title: string) => ({
  title,
  description: 'Customer asked twice',
  priority: 'medium',
  metadata: JSON.stringify({ order: 1042, note: 'Refund as asked' }),
  response_schema: JSON.stringify(SCHEMA),
  editable: JSON.stringify(['metadata.note']),
  stop_unless_approved: 'true',
});

/** A delivery as Zapier hands it to `perform`: headers CGI-style, the raw body and its parsed form. */
const asZapierRequest = (r: Received) => ({
  rawRequest: {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [`Http-${k.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase())}`, String(v)])),
    content: r.body,
    querystring: '',
  },
  cleanedRequest: JSON.parse(r.body) as unknown,
});

async function world() {
  const seed: SeededOrg = await seedOrg(server.db);
  const approver = await seed.newKey({ name: 'Approver bot' });
  // Zapier sends the connection's token as a bearer token; an API key is one too.
  return { seed, approverKey: approver.key, authData: { access_token: seed.key, refresh_token: 'unused' }, approverAuth: { access_token: approver.key, refresh_token: 'unused' } };
}

const ANSWER = { amount: 120, notify: true };
const APPROVED = {
  response: { amount: 120, region: 'eu', notify: true },
  edits: [{ path: 'metadata.note', before: 'Refund as asked', after: 'Refund 120, not the full amount' }],
  approved_content: { metadata: { order: 1042, note: 'Refund 120, not the full amount' }, changes: null },
};

const keysOf = (fields: unknown) => (fields as { key: string; label: string; type?: string }[]).map((f) => ({ key: f.key, label: f.label, ...(f.type ? { type: f.type } : {}) }));

describe('answers in the Zapier app', () => {
  it('Request Approval and Wait: the schema as JSON text, its fields offered to later steps, and the resumed step carries the answer, the edit and what was approved', async () => {
    const { approverKey, authData } = await world();
    const bundle = { authData, inputData: requestInput('Refund order 1042') };

    // The Zap editor asks for the step's output fields with the step's input: the answer's fields are among them.
    const dynamic = (App.creates.request_approval_and_wait!.operation.outputFields ?? []).findIndex((f) => typeof f === 'function');
    const offered = await run(`creates.request_approval_and_wait.operation.outputFields.${dynamic}`, bundle);
    expect(keysOf(offered)).toEqual([
      { key: 'response__amount', label: 'Response: Refund amount', type: 'number' },
      { key: 'response__region', label: 'Response: region', type: 'string' },
      { key: 'response__notify', label: 'Response: Tell the customer', type: 'boolean' },
    ]);

    const callbackUrl = `${receiver.url}/hooks/callback/answers-1/`;
    const paused = await handler({ command: 'execute', method: 'creates.request_approval_and_wait.operation.perform', bundle, callback_url: callbackUrl });
    expect(paused.status).toBe('CALLBACK');
    const outputData = paused.results as { id: string; response_schema: unknown; editable: unknown; response: unknown };
    expect(outputData).toMatchObject({ response_schema: SCHEMA, editable: ['metadata.note'], response: null });

    await server
      .http(approverKey)
      .patch(`/api/v1/approvals/${outputData.id}`)
      .send({ decision: 'approve', response: ANSWER, edits: { 'metadata.note': 'Refund 120, not the full amount' } })
      .expect(200);
    await receiver.until(() => receiver.received.some((r) => r.body.includes(outputData.id) && r.body.includes('approval.approved')));
    const callback = receiver.received.find((r) => r.body.includes(outputData.id) && r.body.includes('approval.approved'))!;

    const resumed = await run<Record<string, unknown>>('creates.request_approval_and_wait.operation.performResume', { ...bundle, outputData, ...asZapierRequest(callback) });
    expect(resumed).toMatchObject({ id: outputData.id, status: 'approved', approved: true, ...APPROVED });
  });

  it('Approve or Reject gives the answer (JSON text) and the edits; its output and the Approval Decided hook carry them', async () => {
    const { authData, approverAuth } = await world();
    const targetUrl = `${receiver.url}/hooks/catch/answers/decided/`;
    const subscribeData = await run<{ id: string }>('triggers.approval_decided.operation.performSubscribe', { authData, targetUrl, inputData: { outcomes: ['approved'] } });
    const created = await run<{ id: string }>('creates.request_approval.operation.perform', { authData, inputData: requestInput('Refund order 2001') });

    // The approve step offers the chosen request's answer fields to later steps.
    const dynamic = (App.creates.decide_approval!.operation.outputFields ?? []).findIndex((f) => typeof f === 'function');
    const offered = await run(`creates.decide_approval.operation.outputFields.${dynamic}`, { authData: approverAuth, inputData: { id: created.id } });
    // In the order the request wrote them.
    expect(keysOf(offered).map((f) => f.key)).toEqual(['response__amount', 'response__region', 'response__notify']);
    // A value mapped from an earlier step is no id yet: nothing extra, and no failure.
    expect(await run(`creates.decide_approval.operation.outputFields.${dynamic}`, { authData: approverAuth, inputData: { id: '{{123__id}}' } })).toEqual([]);

    const decided = await run<Record<string, unknown>>('creates.decide_approval.operation.perform', {
      authData: approverAuth,
      inputData: { id: created.id, decision: 'approve', response: JSON.stringify(ANSWER), edits: JSON.stringify({ 'metadata.note': 'Refund 120, not the full amount' }) },
    });
    expect(decided).toMatchObject({ id: created.id, status: 'approved', ...APPROVED });

    await receiver.until(() => receiver.received.some((r) => r.path === '/hooks/catch/answers/decided/' && r.body.includes(created.id)));
    const delivery = receiver.received.find((r) => r.path === '/hooks/catch/answers/decided/' && r.body.includes(created.id))!;
    const items = await run<Record<string, unknown>[]>('triggers.approval_decided.operation.perform', { authData, inputData: { outcomes: ['approved'] }, subscribeData, ...asZapierRequest(delivery) });
    expect(items).toEqual([expect.objectContaining({ id: created.id, ...APPROVED })]);
    // The editor's sample of the trigger (its recent items) carries them as well.
    const listed = await run<Record<string, unknown>[]>('triggers.approval_decided.operation.performList', { authData, inputData: { outcomes: ['approved'] } });
    expect(listed.find((a) => a.id === created.id)).toMatchObject(APPROVED);
    await run('triggers.approval_decided.operation.performUnsubscribe', { authData, subscribeData });
  });

  it('an answer given field by field that the schema refuses is a validation error naming the field, and nothing is decided', async () => {
    const { seed, authData, approverAuth } = await world();
    const created = await run<{ id: string }>('creates.request_approval.operation.perform', { authData, inputData: requestInput('Refund order 3003') });
    const dynamic = (App.creates.decide_approval!.operation.inputFields ?? []).findIndex((f) => typeof f === 'function');
    const asked = await run<{ key: string; type: string }[]>(`creates.decide_approval.operation.inputFields.${dynamic}`, { authData: approverAuth, inputData: { id: created.id } });
    expect(asked.map((f) => [f.key, f.type])).toEqual([
      ['answer__amount', 'number'],
      ['answer__region', 'string'],
      ['answer__notify', 'boolean'],
    ]);
    const error = await run('creates.decide_approval.operation.perform', {
      authData: approverAuth,
      // Field by field, as the step asks the chosen request's questions.
      inputData: { id: created.id, decision: 'approve', answer__amount: '900', answer__notify: 'yes' },
    }).catch((e: Error) => e);
    const reported = JSON.parse((error as Error).message.split('\n')[0]!) as { message: string; status: number };
    expect(reported).toMatchObject({ status: 400, message: expect.stringContaining('amount') });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body).toMatchObject({ status: 'pending', response: null });
  });

  it('bad JSON in the schema is refused before any call, naming the field; a schema the server refuses names it too', async () => {
    const { seed, authData } = await world();
    const badJson = await run('creates.request_approval.operation.perform', { authData, inputData: { ...requestInput('Bad JSON'), response_schema: '{"type": "object", properties: {}' } }).catch((e: Error) => e);
    expect(JSON.parse((badJson as Error).message.split('\n')[0]!)).toMatchObject({ code: 'VALIDATION_ERROR', status: 400, message: 'Response schema is not valid JSON' });

    const badSchema = await run('creates.request_approval.operation.perform', {
      authData,
      inputData: { ...requestInput('Bad schema'), response_schema: JSON.stringify({ type: 'object', properties: { amount: { type: 'number', minimum: 10, maximum: 1 } } }) },
    }).catch((e: Error) => e);
    expect(JSON.parse((badSchema as Error).message.split('\n')[0]!)).toMatchObject({ status: 400, message: 'response_schema.properties.amount: minimum is above maximum' });
    const { body } = await server.http(seed.key).get('/api/v1/approvals').expect(200);
    expect((body as { data: unknown[] }).data).toEqual([]);
  });
});
