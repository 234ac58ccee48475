/**
 * Answers refused (docs/answers.md): a create whose schema, editable paths or expiry cannot hold, and
 * an approving vote whose answer or edits are wrong. Each refusal is a 400 in the API's envelope whose
 * details name the field and the reason, and nothing is decided: the request stays pending, with no
 * vote and no event, and can still be approved correctly afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let approver: { key: string };
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  approver = await seed.newKey({ name: 'approver' });
}, 60_000);
afterAll(() => server.stop(), 60_000);

const SCHEMA = {
  type: 'object',
  properties: {
    amount: { type: 'number', minimum: 0, maximum: 500 },
    count: { type: 'integer' },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    labels: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
  },
  required: ['amount'],
};
const REQUEST = {
  metadata: { query: 'SELECT 1', limit: 10, secret: 'hidden' },
  changes: { before: null, after: { plan: 'pro' } },
  response_schema: SCHEMA,
  editable: ['metadata.query', 'metadata.limit', 'changes.after.plan'],
};

async function pending(body: Record<string, unknown> = REQUEST): Promise<string> {
  return (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(body)).expect(201)).body.id as string;
}

/** The request is as it was: pending, nothing answered, no vote, only its creation in the events. */
async function untouched(id: string): Promise<void> {
  const got = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
  expect(got).toMatchObject({ status: 'pending', current_approvals: 0, response: null, edits: [], approved_content: null, results: [] });
  const events = (await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string }[];
  expect(events.map((e) => e.type)).toEqual(['approval.created']);
}

describe('an approving vote with a wrong answer or wrong edits: 400, naming each field, nothing decided', () => {
  it.each([
    ['a required field missing', { response: { region: 'us' } }, 'response.amount', 'is required'],
    ['a wrong type', { response: { amount: 'ten' } }, 'response.amount', 'Invalid input: expected number, received string'],
    ['above the maximum', { response: { amount: 501 } }, 'response.amount', 'Too big: expected number to be <=500'],
    ['a fraction for an integer', { response: { amount: 1, count: 1.5 } }, 'response.count', 'Invalid input: expected int, received number'],
    ['a choice not offered', { response: { amount: 1, region: 'apac' } }, 'response.region', 'Invalid option: expected one of "eu"|"us"'],
    ['a field not asked for', { response: { amount: 1, tip: 5 } }, 'response.tip', 'is not asked for by this request'],
    ['a choice picked twice', { response: { amount: 1, labels: ['a', 'a'] } }, 'response.labels', 'a choice is picked at most once'],
    ['an edit of a path not editable', { response: { amount: 1 }, edits: { 'metadata.secret': 'x' } }, 'edits.metadata.secret', 'is not editable on this request'],
    ['an edit changing the type', { response: { amount: 1 }, edits: { 'metadata.limit': '10' } }, 'edits.metadata.limit', 'must stay a number'],
    ['an edit of changes.before', { response: { amount: 1 }, edits: { 'changes.before.plan': 'x' } }, 'edits.changes.before.plan', 'is not editable on this request'],
  ])('%s', async (_name, ballot, path, message) => {
    const id = await pending();
    const res = await server
      .http(approver.key)
      .patch(`/api/v1/approvals/${id}`)
      .send({ decision: 'approve', ...ballot })
      .expect(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: `the answer was refused: ${path} ${message}`,
      details: { location: 'body', reason: 'invalid_answer', issues: [{ path, code: 'invalid_answer', message }] },
    });
    expect(res.body.error.request_id).toEqual(expect.any(String));
    await untouched(id);
  });

  it('every wrong field is named, not only the first', async () => {
    const id = await pending();
    const res = await server
      .http(approver.key)
      .patch(`/api/v1/approvals/${id}`)
      .send({ decision: 'approve', response: { count: 'x', tip: 1 }, edits: { 'metadata.limit': 'ten', 'metadata.secret': 1 } })
      .expect(400);
    expect(res.body.error.message).toBe('the answer was refused: response.tip is not asked for by this request (and 4 more)');
    expect((res.body.error.details.issues as { path: string }[]).map((i) => i.path)).toEqual([
      'response.tip',
      // Then each field in the order the schema lists them.
      'response.amount',
      'response.count',
      'edits.metadata.limit',
      'edits.metadata.secret',
    ]);
    await untouched(id);
  });

  it('no answer at all where the defaults do not answer: refused with where to answer', async () => {
    const id = await pending();
    const res = await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: "this request asks for an answer before it can be approved (response.amount is required): answer it on the request's page",
      details: { reason: 'invalid_answer', issues: [{ path: 'response.amount', message: 'is required' }] },
    });
    await untouched(id);
    // The same request then approved with its answer.
    await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', response: { amount: 5 } }).expect(200);
  });

  it('a response to a request that asks for none', async () => {
    const id = await pending({ metadata: { q: 1 } });
    const res = await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', response: { amount: 1 } }).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { reason: 'invalid_answer', issues: [{ path: 'response', message: 'this request asks for no answer (it has no response_schema)' }] },
    });
    await untouched(id);
  });

  it('edits to a request that lets nothing be edited', async () => {
    const id = await pending({ metadata: { q: 1 } });
    const res = await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', edits: { 'metadata.q': 2 } }).expect(400);
    expect(res.body.error.details.issues).toEqual([{ path: 'edits.metadata.q', code: 'invalid_answer', message: 'is not editable on this request' }]);
    await untouched(id);
  });

  it.each([
    ['a response', { response: { amount: 1 } }, 'response', 'an answer is given only with an approval'],
    ['edits', { edits: { 'metadata.query': 'x' } }, 'edits', 'edits are made only with an approval'],
  ])('a rejection with %s (the contract refuses the body)', async (_name, extra, path, message) => {
    const id = await pending();
    const res = await server
      .http(approver.key)
      .patch(`/api/v1/approvals/${id}`)
      .send({ decision: 'reject', ...extra })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { location: 'body', issues: [{ path, message }] } });
    await untouched(id);
  });

  it('a request already decided says so first, whatever the answer', async () => {
    const id = await pending();
    await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject' }).expect(200);
    const other = await seed.newKey();
    const res = await server.http(other.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(409);
    expect(res.body.error.code).toBe('INVALID_STATUS');
  });

  it('the requester approving its own request is refused for that, before its answer is looked at', async () => {
    const id = await pending();
    const res = await server.http(seed.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(403);
    expect(res.body.error.code).toBe('SELF_APPROVAL_FORBIDDEN');
  });
});

describe("a step's vote answers as the request's vote does", () => {
  async function oneStepRun() {
    const admin = await signedIn(server, seed);
    const lead = await signedIn(server, seed, 'approver');
    const flow = (
      await admin
        .http()
        .post('/api/v1/flows')
        .send({ name: `One step ${Date.now()}`, steps: [{ name: 'Lead', approvers: { user_ids: [lead.user.id] } }] })
        .expect(201)
    ).body;
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ ...REQUEST, flow_id: flow.id })).expect(201)).body;
    return { lead, id: created.id as string, step: created.run.steps[0] as { id: string } };
  }

  it('without an answer on a request whose defaults do not answer: 400 saying where to answer; the step and the request stay pending', async () => {
    const { lead, id, step } = await oneStepRun();
    const res = await lead.http().patch(`/api/v1/approvals/${id}/steps/${step.id}`).send({ decision: 'approve' }).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { reason: 'invalid_answer', issues: [{ path: 'response.amount', message: 'is required' }] } });
    const got = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(got).toMatchObject({ status: 'pending', response: null, run: { steps: [{ status: 'pending' }] } });
    // A rejection of the step needs no answer, and may not carry one.
    await lead.http().patch(`/api/v1/approvals/${id}/steps/${step.id}`).send({ decision: 'reject', response: { amount: 1 } }).expect(400);
    await lead.http().patch(`/api/v1/approvals/${id}/steps/${step.id}`).send({ decision: 'reject' }).expect(200);
  });

  it('with a wrong answer: 400 naming the field, nothing decided; with a right one and an edit: the step and the request approved with them', async () => {
    const { lead, id, step } = await oneStepRun();
    const wrong = await lead.http().patch(`/api/v1/approvals/${id}/steps/${step.id}`).send({ decision: 'approve', response: { amount: -5 } }).expect(400);
    expect(wrong.body.error.details.issues[0].path).toBe('response.amount');
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status).toBe('pending');
    const answer = { amount: 12 };
    await lead
      .http()
      .patch(`/api/v1/approvals/${id}/steps/${step.id}`)
      .send({ decision: 'approve', response: answer, edits: { 'metadata.limit': 5 } })
      .expect(200);
    const got = (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(got).toMatchObject({ status: 'approved', response: { amount: 12 }, edits: [{ path: 'metadata.limit', before: 10, after: 5 }], run: { steps: [{ status: 'approved' }] } });
    expect(got.approved_content.metadata.limit).toBe(5);
  });
});

describe('a batch decision: a request whose answer is missing is refused for that item, the others are decided', () => {
  it('approves the one that needs no input and refuses the one that does, as PATCH would', async () => {
    const needs = await pending();
    const plain = await pending({ metadata: { q: 1 } });
    const defaults = await pending({ response_schema: { type: 'object', properties: { region: { type: 'string', default: 'eu' } } } });
    const res = await server.http(approver.key).post('/api/v1/approvals/batch-decide').send({ ids: [needs, plain, defaults], decision: 'approve' }).expect(200);
    expect(res.body).toMatchObject({ recorded: 2, refused: 1 });
    expect(res.body.data[0]).toMatchObject({
      id: needs,
      outcome: 'refused',
      status: 400,
      error: { code: 'VALIDATION_ERROR', details: { reason: 'invalid_answer', issues: [{ path: 'response.amount', message: 'is required' }] } },
    });
    expect(res.body.data[1]).toMatchObject({ id: plain, outcome: 'recorded', approval: { status: 'approved', response: null } });
    expect(res.body.data[2]).toMatchObject({ id: defaults, outcome: 'recorded', approval: { status: 'approved', response: { region: 'eu' } } });
    await untouched(needs);
  });

  it('a batch rejection needs no answer', async () => {
    const needs = await pending();
    const res = await server.http(approver.key).post('/api/v1/approvals/batch-decide').send({ ids: [needs], decision: 'reject' }).expect(200);
    expect(res.body.data[0]).toMatchObject({ outcome: 'recorded', approval: { status: 'rejected', response: null } });
  });
});

describe('create: what cannot be asked', () => {
  it.each([
    ['an unknown keyword in a field', { response_schema: { type: 'object', properties: { a: { type: 'string', pattern: '.*' } } } }, 'response_schema.properties.a'],
    ['no field at all', { response_schema: { type: 'object', properties: {} } }, 'response_schema.properties'],
    ['a required field that is not a property', { response_schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['b'] } }, 'response_schema.required.0'],
    ['a default that is not a valid answer', { response_schema: { type: 'object', properties: { a: { type: 'number', maximum: 5, default: 9 } } } }, 'response_schema.properties.a.default'],
    ['an editable path that names nothing', { metadata: { q: 1 }, editable: ['metadata.nope'] }, 'editable.0'],
    ['an editable path outside metadata and changes.after', { editable: ['title'] }, 'editable.0'],
    ['an editable path that is sensitive', { metadata: { q: 1 }, redact: ['metadata.q'], editable: ['metadata.q'] }, 'editable.0'],
  ])('%s: 400 naming the field', async (_name, extra, path) => {
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(extra)).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect((res.body.error.details.issues as { path: string }[]).map((i) => i.path)).toContain(path);
  });

  it('on_expiry approve with a required field that has no default: refused, an expiry never invents input', async () => {
    const res = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ response_schema: SCHEMA, on_expiry: 'approve', expires_at: new Date(Date.now() + 60_000).toISOString() }))
      .expect(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: 'on_expiry "approve" needs defaults that answer response_schema: amount is required and has no valid default',
      details: {
        location: 'body',
        issues: [
          { path: 'on_expiry', code: 'custom', message: 'approving on expiry needs defaults that answer response_schema' },
          { path: 'response_schema.properties.amount', code: 'custom', message: 'amount is required and has no valid default' },
        ],
      },
    });
  });

  it("a flow whose on_expiry is approve: the same refusal, naming the flow's rule", async () => {
    const admin = await signedIn(server, seed);
    const flow = (
      await admin
        .http()
        .post('/api/v1/flows')
        .send({ name: `Approves on expiry ${Date.now()}`, on_expiry: 'approve', expires_in_seconds: 600, steps: [{ name: 'One', approvers: { user_ids: [seed.admin.id] } }] })
        .expect(201)
    ).body;
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ response_schema: SCHEMA, flow_id: flow.id })).expect(400);
    expect(res.body.error.message).toBe(
      'on_expiry "approve" (of the flow or routing rule this request follows) needs defaults that answer response_schema: amount is required and has no valid default',
    );
  });

  it('on_expiry reject or expire with the same schema: created', async () => {
    for (const onExpiry of ['reject', 'expire']) {
      await server
        .http(seed.key)
        .post('/api/v1/approvals')
        .send(approvalBody({ response_schema: SCHEMA, on_expiry: onExpiry, expires_at: new Date(Date.now() + 60_000).toISOString() }))
        .expect(201);
    }
  });
});
