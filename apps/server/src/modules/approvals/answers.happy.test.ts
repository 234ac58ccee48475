/**
 * Answers (docs/answers.md): a request that asks for an answer and lets fields be edited is approved
 * with both; the request, its signed callback, its events and the audit ledger carry the answer, the
 * edits with their values before and after, and the digest of what was approved (edits applied),
 * recomputed here from the callback's own body with a JCS library.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { signedIn } from '../../testing/session.ts';
import { openSse } from '../stream/sse-client.ts';
import { expireDue } from '../../core/approvals/index.ts';

let server: TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '50', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms' },
  });
}, 60_000);
afterAll(async () => {
  await server.stop();
  await receiver.close();
}, 60_000);

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** A refund an agent proposes: the reviewer says how much and where, and may rewrite the note to the customer. */
const REFUND = {
  title: 'Refund order #1001',
  description: 'The customer asks for a refund',
  metadata: { order: '1001', note: 'Sorry for the delay', arguments: { amount_cents: 12000, notify: true } },
  changes: { before: { status: 'paid' }, after: { status: 'refunded', reason: 'late' } },
  response_schema: {
    type: 'object',
    properties: {
      amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
      region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
      expedite: { type: 'boolean' },
    },
    required: ['amount'],
  },
  editable: ['metadata.note', 'changes.after.reason'],
};

async function events(seed: SeededOrg, id: string) {
  return (await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string; data: Record<string, unknown> }[];
}

describe('a request that asks for an answer', () => {
  it('is created with its schema and editable paths, nothing answered yet', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(REFUND)).expect(201);
    expect(created.body).toMatchObject({
      status: 'pending',
      response_schema: REFUND.response_schema,
      editable: REFUND.editable,
      response: null,
      edits: [],
      approved_content: null,
    });
    const got = (await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200)).body;
    expect(got).toMatchObject({ response_schema: REFUND.response_schema, editable: REFUND.editable });
    // The fields in the order they were written: the order a form shows them in.
    expect(Object.keys(got.response_schema.properties)).toEqual(['amount', 'region', 'expedite']);
    expect(Object.keys(created.body.response_schema.properties)).toEqual(['amount', 'region', 'expedite']);
  });

  it('approved with an answer and edits: the request, the signed callback, the events and the ledger carry them, and the digest covers the edited content', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey({ name: 'approver' });
    const created = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ ...REFUND, callback_url: `${receiver.url}/answers` }))
      .expect(201);
    const id = created.body.id as string;
    const asked = sha256(canonicalize({ title: REFUND.title, description: REFUND.description, metadata: REFUND.metadata, changes: REFUND.changes }));
    expect(created.body.approved_content_sha256).toBe(asked);

    const decided = await server
      .http(approver.key)
      .patch(`/api/v1/approvals/${id}`)
      .send({ decision: 'approve', response: { amount: 120 }, edits: { 'metadata.note': 'Sorry, refunded in full', 'changes.after.reason': 'late' } })
      .expect(200);
    // The default filled in; an edit that changes nothing is not an edit.
    const response = { amount: 120, region: 'eu' };
    const edits = [{ path: 'metadata.note', before: 'Sorry for the delay', after: 'Sorry, refunded in full' }];
    const approvedContent = { metadata: { ...REFUND.metadata, note: 'Sorry, refunded in full' }, changes: REFUND.changes };
    const digest = sha256(canonicalize({ title: REFUND.title, description: REFUND.description, ...approvedContent }));
    expect(digest).not.toBe(asked);
    expect(decided.body).toMatchObject({ status: 'approved', response, edits, approved_content: approvedContent, approved_content_sha256: digest });
    // What was asked stays as it was asked.
    expect(decided.body.metadata).toEqual(REFUND.metadata);

    const secret = (await server.http(seed.key).get('/api/v1/callback-secret').expect(200)).body.secret as string;
    await receiver.until(() => receiver.received.some((r) => r.body.includes(id)));
    const got = receiver.received.find((r) => r.body.includes(id))!;
    const payload = WebhookPayload.parse(new Webhook(secret).verify(got.body, got.headers as Record<string, string>));
    expect(payload.type).toBe('approval.approved');
    const a = payload.data.approval!;
    expect(a).toMatchObject({ id, response, edits, approved_content: approvedContent, approved_content_sha256: digest });
    // Recomputed from the callback alone: JCS of the approved content with the request's title and description.
    expect(sha256(canonicalize({ title: a.title, description: a.description, metadata: a.approved_content!.metadata, changes: a.approved_content!.changes }))).toBe(
      a.approved_content_sha256,
    );
    expect(payload.data.details).toMatchObject({ decision: 'approve', response, edits, approved_content_sha256: digest });

    const approvedEvent = (await events(seed, id)).find((e) => e.type === 'approval.approved')!;
    expect(approvedEvent.data).toMatchObject({ response, edits, approved_content_sha256: digest });

    const admin = await signedIn(server, seed);
    const ledger = (await admin.http().get('/api/v1/audit-log/ledger').expect(200)).body;
    const entry = (ledger.entries as { type: string; details: Record<string, unknown> }[]).find((e) => e.type === 'approval.approved' && e.details.request_id === id);
    expect(entry?.details).toMatchObject({ response, edits, approved_content_sha256: digest });
  });

  it('approved with no answer when the defaults answer it: the defaults are the response', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const schema = { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'], default: 'us' }, note: { type: 'string' } } };
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ response_schema: schema })).expect(201);
    const decided = await server.http(approver.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision: 'approve' }).expect(200);
    expect(decided.body).toMatchObject({ status: 'approved', response: { region: 'us' }, edits: [], approved_content: { metadata: {}, changes: null } });
    expect(decided.body.approved_content_sha256).toBe(created.body.approved_content_sha256);
  });

  it('rejected: no response, no edits, no approved content, and the digest of what was asked', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(REFUND)).expect(201);
    const decided = await server.http(approver.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision: 'reject' }).expect(200);
    expect(decided.body).toMatchObject({ status: 'rejected', response: null, edits: [], approved_content: null, approved_content_sha256: created.body.approved_content_sha256 });
    const rejected = (await events(seed, created.body.id)).find((e) => e.type === 'approval.rejected')!;
    expect(rejected.data).not.toHaveProperty('response');
  });

  it('a request that asks nothing: approved as before, response null, no edits, approved_content the content', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ metadata: { a: 1 } })).expect(201);
    expect(created.body).toMatchObject({ response_schema: null, editable: [], response: null, edits: [], approved_content: null });
    const decided = await server.http(approver.key).patch(`/api/v1/approvals/${created.body.id}`).send({ decision: 'approve' }).expect(200);
    expect(decided.body).toMatchObject({ response: null, edits: [], approved_content: { metadata: { a: 1 }, changes: null } });
    const approved = (await events(seed, created.body.id)).find((e) => e.type === 'approval.approved')!;
    expect(approved.data).not.toHaveProperty('response');
    expect(approved.data).not.toHaveProperty('edits');
  });
});

describe('every way the decision comes back carries the answer', () => {
  it('the long poll, the event stream and a subscription delivery (verified) show response, edits and approved_content', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey({ name: 'approver' });
    const hooks = await startReceiver();
    try {
      const sub = await server.http(seed.key).post('/api/v1/webhooks').send({ url: `${hooks.url}/hooks`, events: ['approval.approved'] }).expect(201);
      const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(REFUND)).expect(201)).body.id as string;
      const stream = await openSse(`${server.url}/api/v1/events?last_event_id=0`, { key: seed.key });
      try {
        await server
          .http(approver.key)
          .patch(`/api/v1/approvals/${id}`)
          .send({ decision: 'approve', response: { amount: 7, expedite: false }, edits: { 'changes.after.reason': 'lost parcel' } })
          .expect(200);
        const response = { amount: 7, region: 'eu', expedite: false };
        const edits = [{ path: 'changes.after.reason', before: 'late', after: 'lost parcel' }];
        const approvedContent = { metadata: REFUND.metadata, changes: { before: REFUND.changes.before, after: { status: 'refunded', reason: 'lost parcel' } } };
        const expected = { id, status: 'approved', response, edits, approved_content: approvedContent };

        const waited = (await server.http(seed.key).get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(200)).body;
        expect(waited).toMatchObject(expected);

        const messages = await stream.waitFor(2);
        const approved = messages.map((m) => WebhookPayload.parse(JSON.parse(m.data))).find((p) => p.type === 'approval.approved')!;
        expect(approved.data.approval).toMatchObject(expected);
        expect(approved.data.details).toMatchObject({ response, edits });

        await hooks.until(() => hooks.received.some((r) => r.body.includes(id)));
        const got = hooks.received.find((r) => r.body.includes(id))!;
        const payload = WebhookPayload.parse(new Webhook(sub.body.secret).verify(got.body, got.headers as Record<string, string>));
        expect(payload.data.approval).toMatchObject(expected);
      } finally {
        stream.close();
      }
    } finally {
      await hooks.close();
    }
  });
});

describe('two approvals required', () => {
  it("the final vote's answer is the request's; each vote's answer is in its own event", async () => {
    const seed = await seedOrg(server.db);
    const [first, second] = [await seed.newKey({ name: 'first' }), await seed.newKey({ name: 'second' })];
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ ...REFUND, required_approvals: 2 })).expect(201);
    const id = created.body.id as string;
    const one = await server
      .http(first.key)
      .patch(`/api/v1/approvals/${id}`)
      .send({ decision: 'approve', response: { amount: 100, region: 'us' }, edits: { 'metadata.note': 'first note' } })
      .expect(200);
    // Not approved yet: nothing answered on the request.
    expect(one.body).toMatchObject({ status: 'pending', response: null, edits: [], approved_content: null, approved_content_sha256: created.body.approved_content_sha256 });
    const two = await server.http(second.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', response: { amount: 80, expedite: true } }).expect(200);
    expect(two.body).toMatchObject({ status: 'approved', response: { amount: 80, region: 'eu', expedite: true }, edits: [], approved_content: { metadata: REFUND.metadata } });
    expect(two.body.approved_content_sha256).toBe(created.body.approved_content_sha256);

    const evs = await events(seed, id);
    const vote = evs.find((e) => e.type === 'approval.vote_recorded')!;
    expect(vote.data).toMatchObject({
      response: { amount: 100, region: 'us' },
      edits: [{ path: 'metadata.note', before: 'Sorry for the delay', after: 'first note' }],
      approved_content_sha256: sha256(canonicalize({ title: REFUND.title, description: REFUND.description, metadata: { ...REFUND.metadata, note: 'first note' }, changes: REFUND.changes })),
    });
    const final = evs.find((e) => e.type === 'approval.approved')!;
    expect(final.data).toMatchObject({ response: { amount: 80, region: 'eu', expedite: true }, edits: [], approved_content_sha256: created.body.approved_content_sha256 });
  });
});

describe('a flow run', () => {
  it("each step's approver answers; the last step's answer is the request's, each in its step's event", async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [lead, manager] = [await signedIn(server, seed, 'approver'), await signedIn(server, seed, 'approver')];
    const flow = (
      await admin
        .http()
        .post('/api/v1/flows')
        .send({ name: 'Two steps', steps: [{ name: 'Lead', approvers: { user_ids: [lead.user.id] } }, { name: 'Manager', approvers: { user_ids: [manager.user.id] } }] })
        .expect(201)
    ).body;
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ ...REFUND, flow_id: flow.id })).expect(201)).body.id as string;
    const first = await lead.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', response: { amount: 50 } }).expect(200);
    expect(first.body).toMatchObject({ status: 'pending', response: null });
    const second = await manager
      .http()
      .patch(`/api/v1/approvals/${id}`)
      .send({ decision: 'approve', response: { amount: 40, region: 'us' }, edits: { 'metadata.note': 'ok' } })
      .expect(200);
    expect(second.body).toMatchObject({
      status: 'approved',
      response: { amount: 40, region: 'us' },
      edits: [{ path: 'metadata.note', before: 'Sorry for the delay', after: 'ok' }],
      approved_content: { metadata: { ...REFUND.metadata, note: 'ok' } },
    });
    const steps = (await events(seed, id)).filter((e) => e.type === 'step.decided');
    expect(steps.map((e) => e.data.response)).toEqual([{ amount: 50, region: 'eu' }, { amount: 40, region: 'us' }]);
    const approved = (await events(seed, id)).find((e) => e.type === 'approval.approved')!;
    expect(approved.data).toMatchObject({ response: { amount: 40, region: 'us' }, approved_content_sha256: second.body.approved_content_sha256 });
  });
});

describe('expiry', () => {
  it('on_expiry approve with defaults that answer the schema: approved with the defaults', async () => {
    const seed = await seedOrg(server.db);
    const schema = { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'], default: 'eu' } }, required: ['region'] };
    const created = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ response_schema: schema, on_expiry: 'approve', expires_at: new Date(Date.now() + 60_000).toISOString() }))
      .expect(201);
    // Due now, without waiting for the clock.
    await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [created.body.id]);
    await expireDue(server.db);
    const got = (await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200)).body;
    expect(got).toMatchObject({ status: 'approved', decided_by_type: 'system', response: { region: 'eu' }, edits: [] });
    const approved = (await events(seed, created.body.id)).find((e) => e.type === 'approval.approved')!;
    expect(approved.data).toMatchObject({ reason: 'expired', response: { region: 'eu' }, edits: [] });
  });

  it('a row whose defaults do not answer its schema (created around the create check) is expired, never approved', async () => {
    const seed = await seedOrg(server.db);
    const created = await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ response_schema: REFUND.response_schema, expires_at: new Date(Date.now() + 60_000).toISOString() }))
      .expect(201);
    await server.db.query(`UPDATE approvals SET on_expiry = 'approve', expires_at = now() - interval '1 second' WHERE id = $1`, [created.body.id]);
    await expireDue(server.db);
    const got = (await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200)).body;
    expect(got).toMatchObject({ status: 'expired', decided_by_type: null, response: null });
  });
});
