/**
 * Answers through the TypeScript SDK against the real server: create takes `response_schema` and
 * `editable` (types from the generated contract, checked here at compile time too), decide takes
 * `response` and `edits`, the long poll and the waits answer `response`, `edits` and
 * `approved_content` typed, and an invalid answer is a ValidationError naming each field, with
 * nothing decided.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { harness } from '@greenlight/server/testing';
import { Greenlight, ValidationError, type Answer, type ApprovedContent, type BodyOf, type Edit, type Edits, type ResponseSchema } from '@greenlight/client';

let server: harness.TestServer;
beforeAll(async () => {
  server = await harness.startTestServer();
});
afterAll(() => server?.stop());

async function setup() {
  const seed = await harness.seedOrg(server.db, 'SDK answers');
  return {
    requester: new Greenlight({ baseUrl: server.url, apiKey: seed.key }),
    reviewer: new Greenlight({ baseUrl: server.url, apiKey: (await seed.newKey({ name: 'reviewer' })).key }),
  };
}

const schema = {
  type: 'object',
  properties: {
    amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
  },
  required: ['amount'],
} satisfies ResponseSchema;

const refund = (): BodyOf<'createApproval'> => ({
  title: 'Refund order A-1',
  description: 'The customer asks for a refund',
  priority: 'medium',
  metadata: { order: 'A-1', input: { query: 'DELETE FROM orders', limit: 100 } },
  response_schema: schema,
  editable: ['metadata.input.query'],
});

describe('answers through the SDK', () => {
  it('the types come from the contract', () => {
    expectTypeOf<BodyOf<'createApproval'>['response_schema']>().toEqualTypeOf<ResponseSchema | undefined>();
    expectTypeOf<BodyOf<'createApproval'>['editable']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<BodyOf<'decideApproval'>['response']>().toEqualTypeOf<Answer | undefined>();
    expectTypeOf<BodyOf<'decideApproval'>['edits']>().toEqualTypeOf<Edits | undefined>();
    type Waited = Awaited<ReturnType<Greenlight['approvals']['waitForDecision']>>;
    expectTypeOf<Waited['response']>().toEqualTypeOf<Answer | null | undefined>();
    expectTypeOf<Waited['edits']>().toEqualTypeOf<Edit[] | undefined>();
    expectTypeOf<Waited['approved_content']>().toEqualTypeOf<ApprovedContent | null | undefined>();
  });

  it('create, decide with an answer and edits, and every wait answers them', async () => {
    const { requester, reviewer } = await setup();
    const created = await requester.approvals.create(refund());
    expect(created).toMatchObject({ status: 'pending', response_schema: schema, editable: ['metadata.input.query'], response: null, edits: [], approved_content: null });

    const [waited, decided] = await Promise.all([
      requester.approvals.waitForDecision(created.id, { timeout: 30 }),
      reviewer.approvals.decide(created.id, { decision: 'approve', response: { amount: 120 }, edits: { 'metadata.input.query': 'SELECT id FROM orders' } }),
    ]);
    const approvedContent = { metadata: { order: 'A-1', input: { query: 'SELECT id FROM orders', limit: 100 } }, changes: null };
    const edits = [{ path: 'metadata.input.query', before: 'DELETE FROM orders', after: 'SELECT id FROM orders' }];
    expect(decided).toMatchObject({ status: 'approved', response: { amount: 120, region: 'eu' }, edits, approved_content: approvedContent });
    expect(waited).toMatchObject({ outcome: 'approved', response: { amount: 120, region: 'eu' }, edits, approved_content: approvedContent });
    expect(await requester.approvals.wait(created.id, 1)).toMatchObject({ outcome: 'approved', response: { amount: 120, region: 'eu' }, edits, approved_content: approvedContent });
    expect(await requester.approvals.get(created.id)).toMatchObject({ response: { amount: 120, region: 'eu' }, edits, approved_content: approvedContent });
  });

  it('an invalid answer is a ValidationError naming each field and its reason; nothing is decided', async () => {
    const { requester, reviewer } = await setup();
    const created = await requester.approvals.create(refund());
    const refused = await reviewer.approvals
      .decide(created.id, { decision: 'approve', response: { amount: 900, colour: 'red' }, edits: { 'metadata.order': 'B-2' } })
      .then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    const error = refused as ValidationError;
    expect(error.status).toBe(400);
    expect(error.details).toMatchObject({ reason: 'invalid_answer' });
    expect(error.issues.map((i) => i.path)).toEqual(['response.colour', 'response.amount', 'edits.metadata.order']);
    expect(error.issues.find((i) => i.path === 'edits.metadata.order')?.message).toBe('is not editable on this request');
    expect((await requester.approvals.get(created.id)).status).toBe('pending');
  });
});
