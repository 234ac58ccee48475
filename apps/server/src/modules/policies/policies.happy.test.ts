/**
 * Policies through the API: the set is read by members and replaced whole by admins, versioned and
 * audited; and at create, a policy's decision is a decision like a person's: the answer, the events,
 * the callback (signed, delivered), the long poll, the revoke window and the metrics all show it.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { policySchemaText, WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
let server: TestServer;
let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({
    config: { GREENLIGHT_METRICS_TOKEN: TOKEN, GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' },
  });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
}, 60_000);

const NEVER = { priorities: ['critical'], action_types: ['payments.*'] };
const SET = `// Reads are safe; nothing touches prod without a person.
@id("low-risk-reads")
@reason("reads are safe")
permit (principal, action, resource)
when { resource has action_type && resource.action_type like "read.*" };

@id("no-prod")
@reason("prod needs a person")
forbid (principal, action, resource)
when { resource.hasTag("env") && resource.getTag("env") == "prod" };
`;

async function orgWithPolicies(): Promise<{ seed: SeededOrg; admin: SignedIn }> {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  await admin.http().put('/api/v1/policies').send({ source: SET, never_without_person: NEVER, expected_version: 0 }).expect(200);
  return { seed, admin };
}

describe('the policy set', () => {
  it('starts empty at version 0 with critical requests kept for people', async () => {
    const seed = await seedOrg(server.db);
    expect((await server.http(seed.key).get('/api/v1/policies').expect(200)).body).toEqual({
      version: 0,
      source: '',
      policies: [],
      never_without_person: { priorities: ['critical'], action_types: [] },
      updated_at: null,
      updated_by: null,
    });
  });

  it('PUT makes a new version, read back by a viewer, and the change is in the audit log with its text', async () => {
    const { seed, admin } = await orgWithPolicies();
    const viewer = await signedIn(server, seed, 'viewer');
    const set = (await viewer.http().get('/api/v1/policies').expect(200)).body;
    expect(set).toMatchObject({
      version: 1,
      source: SET,
      policies: [
        { id: 'low-risk-reads', effect: 'permit', reason: 'reads are safe', line: 2, mode: 'enforce' },
        { id: 'no-prod', effect: 'forbid', reason: 'prod needs a person', line: 7, mode: 'enforce' },
      ],
      never_without_person: NEVER,
      updated_by: { type: 'user', id: seed.admin.id },
    });
    const second = (
      await admin.http().put('/api/v1/policies').send({ source: '', never_without_person: { priorities: ['critical', 'critical'], action_types: [] }, expected_version: 1 }).expect(200)
    ).body;
    expect(second).toMatchObject({ version: 2, source: '', policies: [], never_without_person: { priorities: ['critical'], action_types: [] } });
    const audit = (await admin.http().get('/api/v1/audit-log?type=policies.updated').expect(200)).body.data;
    expect(audit.map((e: { details: { version: number } }) => e.details.version).sort()).toEqual([1, 2]);
    const first = audit.find((e: { details: { version: number } }) => e.details.version === 1);
    expect(first).toMatchObject({ type: 'policies.updated', details: { from_version: 0, added: ['low-risk-reads', 'no-prod'], removed: [], source: SET } });
  });

  it('GET /policies/schema serves the Cedar schema the sets are validated against, field by field', async () => {
    const seed = await seedOrg(server.db);
    const schema = (await server.http(seed.key).get('/api/v1/policies/schema').expect(200)).body;
    expect(schema.cedar_schema).toBe(policySchemaText());
    expect(schema).toMatchObject({ principal: 'Greenlight::Requester', action: 'Greenlight::Action::"ask"', resource: 'Greenlight::Request' });
    const request = schema.types.find((t: { name: string }) => t.name === 'Request');
    expect(request.fields.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['action_type', 'source', 'priority', 'metadata', 'entity', 'changed_fields', 'agent_session']),
    );
  });
});

describe('a policy decides at create, as a person would', () => {
  it('an allowed request is approved in the create answer, with the policy named, and its callback delivered signed', async () => {
    const { seed } = await orgWithPolicies();
    const secret = (await server.http(seed.key).get('/api/v1/callback-secret').expect(200)).body.secret as string;
    const url = `${receiver.url}/allowed-${seed.org.id}`;
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'Read logs', action_type: 'read.logs', callback_url: url, revocable_for_seconds: 600 })).expect(201);
    expect(res.body).toMatchObject({
      status: 'approved',
      decided_by: null,
      decided_by_type: 'policy',
      decided_by_policy: { id: 'low-risk-reads', version: 1, reason: 'reads are safe' },
      decision_comment: 'reads are safe',
      revocable_until: expect.any(String),
    });
    expect(res.body.decided_at).not.toBeNull();

    const events = (await server.http(seed.key).get(`/api/v1/approvals/${res.body.id}/events`).expect(200)).body.data;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['approval.created', 'approval.approved']);
    expect(events[1]).toMatchObject({
      actor: { type: 'system', id: null, name: 'policy low-risk-reads' },
      from_status: 'pending',
      to_status: 'approved',
      data: { decision: 'approve', reason: 'policy', source: 'policy', policy: { id: 'low-risk-reads', version: 1 }, approved_content_sha256: res.body.approved_content_sha256 },
    });

    await receiver.until(() => receiver.received.some((r) => r.path === `/allowed-${seed.org.id}`), 10_000);
    const delivered = receiver.received.find((r) => r.path === `/allowed-${seed.org.id}`)!;
    const body = WebhookPayload.parse(new Webhook(secret).verify(delivered.body, delivered.headers as Record<string, string>));
    expect(body).toMatchObject({ type: 'approval.approved', data: { approval: { id: res.body.id, status: 'approved', decided_by_type: 'policy' } } });
  });

  it('a long poll sees the auto-decision as it sees a person’s, and the execution receipt and revoke work on it', async () => {
    const { seed, admin } = await orgWithPolicies();
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.db', revocable_for_seconds: 600 })).expect(201)).body.id;
    const waited = (await server.http(seed.key).get(`/api/v1/approvals/${id}/wait?timeout=5`).expect(200)).body;
    expect(waited).toMatchObject({ id, status: 'approved', decided_by_type: 'policy', decided_by_policy: { id: 'low-risk-reads' } });
    // A person's decision, for comparison: the same shape, another decider.
    const other = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy' })).expect(201)).body;
    expect(other).toMatchObject({ status: 'pending', decided_by_type: null, decided_by_policy: null });
    await admin.http().patch(`/api/v1/approvals/${other.id}`).send({ decision: 'approve' }).expect(200);
    const personWaited = (await server.http(seed.key).get(`/api/v1/approvals/${other.id}/wait?timeout=5`).expect(200)).body;
    expect(personWaited).toMatchObject({ status: 'approved', decided_by: seed.admin.id, decided_by_type: 'user', decided_by_policy: null });
    expect(Object.keys(waited).sort()).toEqual(Object.keys(personWaited).sort());
    // An admin may revoke the policy's approval within its window, as any approval.
    await admin.http().post(`/api/v1/approvals/${id}/revoke`).send({ reason: 'not this one' }).expect(200);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'rejected', revoked_by: { id: seed.admin.id } });
  });

  it('a forbid rejects with its reason, and wins over a permit that also holds', async () => {
    const { seed } = await orgWithPolicies();
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.logs', tags: { env: 'prod' } })).expect(201);
    expect(res.body).toMatchObject({ status: 'rejected', decided_by_type: 'policy', decided_by_policy: { id: 'no-prod', reason: 'prod needs a person' }, decision_comment: 'prod needs a person' });
    const waited = (await server.http(seed.key).get(`/api/v1/approvals/${res.body.id}/wait?timeout=5`).expect(200)).body;
    expect(waited).toMatchObject({ status: 'rejected' });
  });

  it('a request no policy speaks of is asked of people (Cedar’s default deny is no decision)', async () => {
    const { seed } = await orgWithPolicies();
    const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.production' })).expect(201);
    expect(res.body).toMatchObject({ status: 'pending', decided_at: null, decided_by_type: null });
  });

  it('critical requests and marked action types are never approved by a policy, but may be rejected', async () => {
    const { seed } = await orgWithPolicies();
    const critical = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.logs', priority: 'critical' })).expect(201);
    expect(critical.body).toMatchObject({ status: 'pending' });
    const marked = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'payments.read', priority: 'low' })).expect(201);
    expect(marked.body).toMatchObject({ status: 'pending' });
    const denied = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.logs', priority: 'critical', tags: { env: 'prod' } })).expect(201);
    expect(denied.body).toMatchObject({ status: 'rejected', decided_by_policy: { id: 'no-prod' } });
  });

  it('an idempotent retry replays the decided request and decides nothing twice', async () => {
    const { seed } = await orgWithPolicies();
    const body = approvalBody({ action_type: 'read.logs', idempotency_key: 'read-once' });
    const first = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201);
    const again = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(200);
    expect(again.body).toMatchObject({ id: first.body.id, status: 'approved', decided_by_type: 'policy' });
    const events = (await server.http(seed.key).get(`/api/v1/approvals/${first.body.id}/events`).expect(200)).body.data;
    expect(events.filter((e: { type: string }) => e.type === 'approval.approved')).toHaveLength(1);
  });

  it('a change of the set applies to the next create at once', async () => {
    const { seed, admin } = await orgWithPolicies();
    expect((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.x' })).expect(201)).body.status).toBe('approved');
    await admin.http().put('/api/v1/policies').send({ source: '', never_without_person: NEVER, expected_version: 1 }).expect(200);
    expect((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.x' })).expect(201)).body.status).toBe('pending');
  });

  it('/metrics counts decisions by kind: person and policy', async () => {
    const { seed, admin } = await orgWithPolicies();
    const scrape = async () => {
      const text = (await server.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200)).text;
      const family = parsePrometheusTextFormat(text).find((f) => f.name === 'greenlight_approvals_decided_total');
      const value = (labels: Record<string, string>) => Number(family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? 0);
      return { policy: value({ outcome: 'approved', kind: 'policy' }), person: value({ outcome: 'approved', kind: 'person' }) };
    };
    const before = await scrape();
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.logs' })).expect(201);
    const pending = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy' })).expect(201)).body.id;
    await admin.http().patch(`/api/v1/approvals/${pending}`).send({ decision: 'approve' }).expect(200);
    const after = await scrape();
    expect(after.policy - before.policy).toBe(1);
    expect(after.person - before.person).toBe(1);
  });
});

describe('shadow mode', () => {
  it('a @shadow policy decides nothing; what it would have decided is recorded, and its agreement with people read', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const source = `@id("try-deploys")\n@shadow\npermit (principal, action, resource)\nwhen { resource has action_type && resource.action_type like "deploy.*" };`;
    const saved = (await admin.http().put('/api/v1/policies').send({ source, never_without_person: NEVER }).expect(200)).body;
    expect(saved.policies).toEqual([{ id: 'try-deploys', effect: 'permit', reason: null, line: 1, mode: 'shadow' }]);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: `Deploy ${i}`, action_type: 'deploy.web' })).expect(201)).body;
      expect(created.status).toBe('pending');
      ids.push(created.id);
    }
    await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.logs' })).expect(201);
    await admin.http().patch(`/api/v1/approvals/${ids[0]}`).send({ decision: 'approve' }).expect(200);
    await admin.http().patch(`/api/v1/approvals/${ids[1]}`).send({ decision: 'approve' }).expect(200);
    await admin.http().patch(`/api/v1/approvals/${ids[2]}`).send({ decision: 'reject' }).expect(200);
    const viewer = await signedIn(server, seed, 'viewer');
    expect((await viewer.http().get('/api/v1/policies/shadow').expect(200)).body).toEqual({
      policies: [{ policy_id: 'try-deploys', would_approve: 4, would_reject: 0, agreed: 2, disagreed: 1, undecided: 1 }],
    });
    // Another org sees none of it.
    const other = await seedOrg(server.db);
    expect((await server.http(other.key).get('/api/v1/policies/shadow').expect(200)).body).toEqual({ policies: [] });
  });
});
