/**
 * Fields the requester marks sensitive (`redact`): masked for every reviewer without `see_sensitive`
 * in each answer that shows the request (get, list, search, events, the event stream, the long poll,
 * the decision's own answer, a batch decision, subscription deliveries), in full for the requester,
 * admins and members granted the permission, and in full in the request's callback, whose signature
 * the standardwebhooks package verifies at a local receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { Approval, REDACTED_VALUE, WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { sessionOf, signedIn, type SignedIn } from '../../testing/session.ts';
import { openSse } from '../stream/sse-client.ts';
import { contentSha256 } from '../../core/approval-record.ts';

let server: TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  [server, receiver] = await Promise.all([
    startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } }),
    startReceiver(),
  ]);
}, 60_000);
afterAll(async () => {
  await receiver.close();
  await server.stop();
});

const SSN = '123-45-6789';
const IBAN = 'DE89370400440532013000';
const CARD = '4111111111111111';
const SECRETS = [SSN, IBAN, CARD];

const content = {
  title: 'Refund order 5521',
  description: 'Customer asked for a refund',
  metadata: { customer: 'Jane Roe', ssn: SSN, bank: { iban: IBAN, bic: 'COBADEFFXXX' }, lines: [{ sku: 'A1' }] },
  changes: { before: { card: null, plan: 'basic' }, after: { card: CARD, plan: 'pro' } },
};
const REDACT = ['metadata.ssn', 'metadata.bank.iban', 'changes.after.card'];

const masked = {
  metadata: { customer: 'Jane Roe', ssn: REDACTED_VALUE, bank: { iban: REDACTED_VALUE, bic: 'COBADEFFXXX' }, lines: [{ sku: 'A1' }] },
  changes: { before: { card: null, plan: 'basic' }, after: { card: REDACTED_VALUE, plan: 'pro' } },
};
const fullHash = contentSha256(content);

const leaks = (value: unknown) => SECRETS.filter((s) => JSON.stringify(value).includes(s));

interface World {
  seed: SeededOrg;
  id: string;
  reviewer: SignedIn;
  otherKey: string;
}

async function world(extra: Record<string, unknown> = {}): Promise<World> {
  const seed = await seedOrg(server.db);
  const created = await server
    .http(seed.key)
    .post('/api/v1/approvals')
    .send(approvalBody({ ...content, priority: 'high', redact: REDACT, ...extra }))
    .expect(201);
  return { seed, id: created.body.id, reviewer: await signedIn(server, seed, 'approver'), otherKey: (await seed.newKey()).key };
}

describe('a reviewer without see_sensitive', () => {
  it('sees the marked fields masked in get, list, search, events, the long poll and the dashboard page’s data; the hash is of the full content', async () => {
    const w = await world();
    const http = w.reviewer.http();
    // The request page and the inbox of the dashboard read exactly these.
    const got = Approval.parse((await http.get(`/api/v1/approvals/${w.id}`).expect(200)).body);
    expect(got).toMatchObject({ ...masked, redact: REDACT, redacted: true, approved_content_sha256: fullHash });
    const list = (await http.get('/api/v1/approvals?status=pending').expect(200)).body.data;
    expect(list.find((a: Approval) => a.id === w.id)).toMatchObject({ ...masked, redacted: true });
    const search = (await http.get('/api/v1/approvals?search=refund').expect(200)).body.data;
    expect(search.map((a: Approval) => a.id)).toEqual([w.id]);
    expect(search[0]).toMatchObject(masked);
    const wait = (await http.get(`/api/v1/approvals/${w.id}/wait?timeout=1`).expect(200)).body;
    expect(wait).toMatchObject({ ...masked, timed_out: true });
    // The request's audit trail.
    const events = (await http.get(`/api/v1/approvals/${w.id}/events`).expect(200)).body;
    expect(events.data.map((e: { type: string }) => e.type)).toEqual(['approval.created']);
    for (const answer of [got, list, search, wait, events]) expect(leaks(answer)).toEqual([]);
  });

  it('another API key of the org (not the requester) sees them masked, in the event stream too', async () => {
    const w = await world();
    const got = (await server.http(w.otherKey).get(`/api/v1/approvals/${w.id}`).expect(200)).body;
    expect(got).toMatchObject({ ...masked, redacted: true });
    const stream = await openSse(`${server.url}/api/v1/events?last_event_id=0`, { key: w.otherKey });
    try {
      const [message] = await stream.waitFor(1);
      const payload = WebhookPayload.parse(JSON.parse(message!.data));
      expect(payload.data.approval).toMatchObject({ id: w.id, ...masked, redacted: true });
      expect(leaks(stream.messages)).toEqual([]);
    } finally {
      stream.close();
    }
  });

  it('deciding: the decision’s answer and a batch decision’s result are masked, the callback carries the full request and verifies', async () => {
    const w = await world({ callback_url: `${receiver.url}/cb-${Date.now()}` });
    const second = await server
      .http(w.seed.key)
      .post('/api/v1/approvals')
      .send(approvalBody({ ...content, priority: 'low', redact: REDACT }))
      .expect(201);
    const decided = (await w.reviewer.http().patch(`/api/v1/approvals/${w.id}`).send({ decision: 'approve', comment: 'ok' }).expect(200)).body;
    expect(decided).toMatchObject({ status: 'approved', ...masked, redacted: true, approved_content_sha256: fullHash });
    const batch = (await w.reviewer.http().post('/api/v1/approvals/batch-decide').send({ ids: [second.body.id], decision: 'approve' }).expect(200)).body;
    expect(batch.data[0].approval).toMatchObject({ status: 'approved', ...masked, redacted: true });
    expect(leaks([decided, batch])).toEqual([]);

    await receiver.until(() => receiver.received.some((r) => r.body.includes(w.id)));
    const got = receiver.received.find((r) => r.body.includes(w.id))!;
    const secret = (await server.http(w.seed.key).get('/api/v1/callback-secret').expect(200)).body.secret;
    const payload = WebhookPayload.parse(new Webhook(secret).verify(got.body, got.headers as Record<string, string>));
    expect(payload.type).toBe('approval.approved');
    expect(payload.data.approval).toMatchObject({ id: w.id, metadata: content.metadata, changes: content.changes, redacted: false });
    expect(payload.data.details.approved_content_sha256).toBe(fullHash);
    expect(payload.data.approval!.approved_content_sha256).toBe(fullHash);
  });

  it('a subscription delivery is masked: it goes to whoever subscribed, not to the requester', async () => {
    const w = await world();
    const hookReceiver = await startReceiver();
    try {
      const sub = await server.http(w.seed.key).post('/api/v1/webhooks').send({ url: `${hookReceiver.url}/hook`, events: ['approval.rejected'] }).expect(201);
      await server.http(w.otherKey).patch(`/api/v1/approvals/${w.id}`).send({ decision: 'reject' }).expect(200);
      await hookReceiver.until(() => hookReceiver.received.length > 0);
      const got = hookReceiver.received[0]!;
      const payload = WebhookPayload.parse(new Webhook(sub.body.secret).verify(got.body, got.headers as Record<string, string>));
      expect(payload.data.approval).toMatchObject({ id: w.id, ...masked, redacted: true, approved_content_sha256: fullHash });
      expect(leaks(got.body)).toEqual([]);
    } finally {
      await hookReceiver.close();
    }
  });
});

describe('the audit trail and the org audit log', () => {
  it('carry no sensitive value through steps, a reassignment, a vote for someone away and an admin override; the reviewer reads the trail masked', async () => {
    const w = await world();
    const admin = await signedIn(server, w.seed);
    await admin.http().patch('/api/v1/org').send({ admin_override: true }).expect(200);
    const [bob, carl, dana] = [await w.seed.addUser('approver'), await w.seed.addUser('approver'), await w.seed.addUser('approver')];
    const steps = (
      await server
        .http(w.seed.key)
        .post(`/api/v1/approvals/${w.id}/steps`)
        .send({ steps: [{ approver_id: bob.id, step_order: 1 }, { approver_id: carl.id, step_order: 2 }] })
        .expect(201)
    ).body.data;
    await server.http(w.seed.key).post(`/api/v1/approvals/${w.id}/steps/${steps[0].id}/reassign`).send({ user_ids: [w.reviewer.user.id], comment: 'Bob is out' }).expect(200);
    // Step 1 (now the reviewer's) by the admin override; step 2 (Carl's) by Dana, who stands in for him.
    await admin.http().patch(`/api/v1/approvals/${w.id}`).send({ decision: 'approve', comment: 'override' }).expect(200);
    await admin.http().post(`/api/v1/members/${carl.id}/delegation`).send({ delegate_id: dana.id, ends_at: new Date(Date.now() + 3_600_000).toISOString() }).expect(200);
    const asDana = await sessionOf(server, w.seed, dana);
    expect((await asDana.http().get(`/api/v1/approvals/${w.id}`).expect(200)).body).toMatchObject({ ...masked, redacted: true });
    const decided = (await asDana.http().patch(`/api/v1/approvals/${w.id}`).send({ decision: 'approve' }).expect(200)).body;
    expect(decided).toMatchObject({ status: 'approved', ...masked, redacted: true });

    const trail = (await w.reviewer.http().get(`/api/v1/approvals/${w.id}/events`).expect(200)).body.data;
    expect(trail.map((e: { type: string }) => e.type)).toEqual(['approval.created', 'steps.configured', 'step.reassigned', 'step.decided', 'step.decided', 'approval.approved']);
    expect(leaks(trail)).toEqual([]);
    const audit = await admin.http().get('/api/v1/audit-log/export?format=jsonl').expect(200);
    expect(audit.text).toContain('approval.admin_override');
    expect(audit.text).toContain('approval.step_reassigned');
    expect(audit.text).toContain('approval.delegate_vote');
    expect(leaks(audit.text)).toEqual([]);
    const csv = await admin.http().get('/api/v1/audit-log/export?format=csv').expect(200);
    expect(leaks(csv.text)).toEqual([]);
  });
});

describe('who sees the sensitive fields in full', () => {
  it('the requester, an admin, and a member an admin granted see_sensitive (audited); withdrawn, masked again', async () => {
    const w = await world();
    const full = { metadata: content.metadata, changes: content.changes, redacted: false };
    expect((await server.http(w.seed.key).get(`/api/v1/approvals/${w.id}`).expect(200)).body).toMatchObject(full);
    const admin = await signedIn(server, w.seed);
    expect((await admin.http().get(`/api/v1/approvals/${w.id}`).expect(200)).body).toMatchObject(full);

    const member = await admin.http().patch(`/api/v1/members/${w.reviewer.user.id}`).send({ see_sensitive: true }).expect(200);
    expect(member.body).toMatchObject({ role: 'approver', see_sensitive: true });
    expect((await w.reviewer.http().get(`/api/v1/approvals/${w.id}`).expect(200)).body).toMatchObject(full);
    expect((await w.reviewer.http().get('/api/v1/me').expect(200)).body.user).toMatchObject({ role: 'approver', see_sensitive: true });

    await admin.http().patch(`/api/v1/members/${w.reviewer.user.id}`).send({ see_sensitive: false }).expect(200);
    expect((await w.reviewer.http().get(`/api/v1/approvals/${w.id}`).expect(200)).body).toMatchObject({ ...masked, redacted: true });

    const audit = (await admin.http().get('/api/v1/audit-log?type=member.permission_changed').expect(200)).body.data;
    expect(audit.map((e: { details: unknown; target: { id: string } }) => [e.target.id, e.details])).toEqual([
      [w.reviewer.user.id, { permission: 'see_sensitive', granted: false }],
      [w.reviewer.user.id, { permission: 'see_sensitive', granted: true }],
    ]);
    // The org audit log records who may see, never what the requests hold.
    const exported = await admin.http().get('/api/v1/audit-log/export?format=jsonl').expect(200);
    expect(leaks(exported.text)).toEqual([]);
  });

  it('a non-admin cannot grant the permission (403), not even to themselves', async () => {
    const w = await world();
    const res = await w.reviewer.http().patch(`/api/v1/members/${w.reviewer.user.id}`).send({ see_sensitive: true }).expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect((await w.reviewer.http().get(`/api/v1/approvals/${w.id}`).expect(200)).body.redacted).toBe(true);
  });

  it('a request without redact is shown in full to everyone', async () => {
    const seed = await seedOrg(server.db);
    const a = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ metadata: { ssn: SSN } })).expect(201);
    const reviewer = await signedIn(server, seed, 'viewer');
    expect((await reviewer.http().get(`/api/v1/approvals/${a.body.id}`).expect(200)).body).toMatchObject({ metadata: { ssn: SSN }, redact: [], redacted: false });
  });
});
