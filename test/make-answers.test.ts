/**
 * Answers through the Make app (its own JSON files, run by the IML evaluator and the runtime
 * stand-in) against the real server: Request Approval with a response schema and editable paths,
 * Approve or Reject with an answer and an edit, and the bundles that continue a scenario (the
 * action's own, Watch Decisions (instant) in the waiting pattern, the polling Watch Decisions)
 * carrying the answer, the edit and what was approved. A schema typed in as text is refused by the
 * API naming the field; the module says how to give one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, startReceiver, type TestReceiver } from '@greenlight/server/testing';
import { MakeError, MakeRuntime } from '../packages/make/src/index.ts';

let server: harness.TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  server = await harness.startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } });
  receiver = await startReceiver();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
}, 60_000);

async function world() {
  const seed = await harness.seedOrg(server.db);
  const runtime = new MakeRuntime();
  const requester = await runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: seed.key });
  const approverKey = await seed.newKey({ name: 'Approver bot' });
  const approver = await runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: approverKey.key });
  return { seed, runtime, requester, approver };
}

const SCHEMA = {
  type: 'object',
  properties: {
    amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
  },
  required: ['amount'],
};
const APPROVED = {
  response: { amount: 120, region: 'eu' },
  edits: [{ path: 'metadata.note', before: 'Refund as asked', after: 'Refund 120, not the full amount' }],
  approved_content: { metadata: { order: 1042, note: 'Refund 120, not the full amount' }, changes: null },
};
type Bundle = Record<string, unknown> & { id: string };

describe('answers in the Make app', () => {
  it('the parameters: Editable is a list of paths typed in Make’s form; Response Schema and the answer are mapped collections, and say so', () => {
    const runtime = new MakeRuntime();
    const request = runtime.app.modules.requestApproval!.codes.mappableParams as { name: string; type: string; spec?: unknown; help?: string }[];
    const byName = Object.fromEntries(request.map((p) => [p.name, p]));
    expect(byName.editable).toMatchObject({ type: 'array', spec: { type: 'text' } });
    expect(byName.response_schema).toMatchObject({ type: 'any', help: expect.stringContaining('JSON › Parse JSON') });
    const decide = runtime.app.modules.decideApproval!.codes.mappableParams as { name: string; type: string }[];
    expect(decide.filter((p) => p.name === 'response' || p.name === 'edits').map((p) => p.type)).toEqual(['any', 'any']);
    // What a scenario maps after each module that gives a request: the answer, the edits, what was approved.
    for (const id of ['requestApproval', 'decideApproval', 'getApproval', 'watchDecisions', 'watchDecisionsInstant']) {
      const names = (runtime.app.modules[id]!.codes.interface as { name: string }[]).map((p) => p.name);
      expect(names, id).toEqual(expect.arrayContaining(['response_schema', 'response', 'edits', 'approved_content']));
    }
  });

  it('request with a schema, approve with an answer and an edit: the action’s bundle, the instant trigger’s (waiting pattern) and the polling trigger’s carry them', async () => {
    const { runtime, requester, approver } = await world();
    const bUrl = `${receiver.url}/make/answers-${Date.now()}`;
    const hookB = await runtime.attach('greenlightDecisions', requester, bUrl, { subscribe: false, events: ['approval.approved'] });

    const [requested] = (await runtime.run('requestApproval', requester, {
      title: 'Refund order 1042',
      description: 'Customer asked twice',
      priority: 'medium',
      callback_url: bUrl,
      metadata: { order: 1042, note: 'Refund as asked' },
      response_schema: SCHEMA,
      editable: ['metadata.note'],
    })) as Bundle[];
    expect(requested).toMatchObject({ status: 'pending', response_schema: SCHEMA, editable: ['metadata.note'], response: null });

    const [decided] = (await runtime.run('decideApproval', approver, {
      id: requested!.id,
      decision: 'approve',
      response: { amount: 120 },
      edits: { 'metadata.note': 'Refund 120, not the full amount' },
    })) as Bundle[];
    expect(decided).toMatchObject({ status: 'approved', ...APPROVED });

    const callbacks = () => receiver.received.filter((r) => r.body.includes(requested!.id) && r.body.includes('approval.approved'));
    await receiver.until(() => callbacks().length >= 1);
    const [bundle] = runtime.receive(hookB, { body: JSON.parse(callbacks()[0]!.body), headers: callbacks()[0]!.headers as Record<string, unknown> }) as Bundle[];
    expect(bundle).toMatchObject({ id: requested!.id, outcome: 'approved', approved: true, ...APPROVED });

    const polled = await runtime.poll('watchDecisions', requester, { limit: 10, lookbackDays: 30, outcomes: ['approved'] }, runtime.startState({ kind: 'all' }));
    expect(polled.bundles).toEqual([expect.objectContaining({ id: requested!.id, ...APPROVED })]);
  });

  it('a schema typed in as JSON text reaches the API as text, which refuses it naming the field; nothing is created', async () => {
    const { seed, runtime, requester } = await world();
    const error = await runtime
      .run('requestApproval', requester, { title: 'Typed', description: 'd', priority: 'low', response_schema: JSON.stringify(SCHEMA) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MakeError);
    expect(error).toMatchObject({ type: 'DataError', statusCode: 400, message: expect.stringContaining('response_schema') });
    const { body } = await server.http(seed.key).get('/api/v1/approvals').expect(200);
    expect((body as { data: unknown[] }).data).toEqual([]);
  });
});
