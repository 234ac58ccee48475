/**
 * Answers and what decides without a person (docs/answers.md): an auto-decision never invents input.
 * A policy approves a request that asks for an answer only when its permit accepts the defaults
 * (`@answers("defaults")`) and they answer the schema; a grant never approves one; editable fields
 * alone stop neither; a forbid still rejects. And what was approved is masked where what was asked is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED_VALUE } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';
import { usePolicies } from '../../testing/policies.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const POLICIES = `@id("reads-take-defaults")
@answers("defaults")
permit (principal, action, resource) when { resource has action_type && resource.action_type like "read.*" };

@id("lists-are-safe")
permit (principal, action, resource) when { resource has action_type && resource.action_type like "list.*" };

@id("no-drops")
forbid (principal, action, resource) when { resource has action_type && resource.action_type == "db.drop" };
`;

/** Answered by its defaults. */
const DEFAULTED = { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'], default: 'us' }, note: { type: 'string' } }, required: ['region'] };
/** Not answered by its defaults: `amount` is required and has none. */
const OPEN = { type: 'object', properties: { amount: { type: 'number' }, region: { type: 'string', default: 'eu' } }, required: ['amount'] };

async function ask(seed: SeededOrg, body: Record<string, unknown>, key = seed.key) {
  return (await server.http(key).post('/api/v1/approvals').send(approvalBody({ priority: 'medium', ...body })).expect(201)).body;
}

async function events(seed: SeededOrg, id: string) {
  return (await server.http(seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string; data: Record<string, unknown> }[];
}

describe('policies never invent input', () => {
  let seed: SeededOrg;
  beforeAll(async () => {
    seed = await seedOrg(server.db);
    await usePolicies(server, seed, POLICIES);
  });

  it('a permit with @answers("defaults"), defaults that answer: approved, the defaults are the response, in the event too', async () => {
    const a = await ask(seed, { action_type: 'read.users', response_schema: DEFAULTED });
    expect(a).toMatchObject({ status: 'approved', decided_by_type: 'policy', decided_by_policy: { id: 'reads-take-defaults' }, response: { region: 'us' }, edits: [] });
    const approved = (await events(seed, a.id)).find((e) => e.type === 'approval.approved')!;
    expect(approved.data).toMatchObject({ reason: 'policy', response: { region: 'us' }, edits: [] });
  });

  it('a permit with @answers("defaults"), defaults that do not answer: left to people', async () => {
    const a = await ask(seed, { action_type: 'read.users', response_schema: OPEN });
    expect(a).toMatchObject({ status: 'pending', decided_by_type: null, response: null });
  });

  it('a permit without @answers: a request that asks for an answer is left to people, even one its defaults answer', async () => {
    for (const schema of [DEFAULTED, OPEN]) {
      const a = await ask(seed, { action_type: 'list.users', response_schema: schema });
      expect(a).toMatchObject({ status: 'pending', decided_by_type: null });
    }
    // The same permit approves the same request asking nothing.
    expect(await ask(seed, { action_type: 'list.users' })).toMatchObject({ status: 'approved', decided_by_type: 'policy', response: null });
  });

  it('editable fields alone do not stop a permit: approved as asked, nothing edited', async () => {
    const a = await ask(seed, { action_type: 'list.users', metadata: { query: 'SELECT 1' }, editable: ['metadata.query'] });
    expect(a).toMatchObject({ status: 'approved', decided_by_type: 'policy', response: null, edits: [], approved_content: { metadata: { query: 'SELECT 1' }, changes: null } });
    expect(a.approved_content_sha256).toBe((await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body.approved_content_sha256);
  });

  it('a forbid still rejects a request that asks for an answer', async () => {
    const a = await ask(seed, { action_type: 'db.drop', response_schema: OPEN });
    expect(a).toMatchObject({ status: 'rejected', decided_by_type: 'policy', decided_by_policy: { id: 'no-drops' }, response: null, edits: [] });
  });

  it.each([
    ['@answers with another value', '@id("p")\n@answers("anything")\npermit (principal, action, resource);', '@answers takes one value'],
    ['@answers on a forbid', '@id("f")\n@answers("defaults")\nforbid (principal, action, resource);', '@answers applies to a permit'],
  ])('a set with %s is refused when saved', async (_name, source, message) => {
    const admin = await signedIn(server, seed);
    const current = (await admin.http().get('/api/v1/policies').expect(200)).body.version as number;
    const res = await admin
      .http()
      .put('/api/v1/policies')
      .send({ source, never_without_person: { priorities: ['critical'], action_types: [] }, expected_version: current })
      .expect(400);
    expect(JSON.stringify(res.body.error)).toContain(message);
  });
});

describe('grants never answer for a person', () => {
  let seed: SeededOrg;
  let approver: SignedIn;
  beforeAll(async () => {
    seed = await seedOrg(server.db);
    approver = await signedIn(server, seed, 'approver');
    const first = await ask(seed, { action_type: 'deploy.staging', response_schema: OPEN, editable: [], metadata: { v: '1' } });
    await approver.http().patch(`/api/v1/approvals/${first.id}`).send({ decision: 'approve', response: { amount: 3 }, grant: { max_uses: 5 } }).expect(200);
  });

  const uses = async () => ((await approver.http().get('/api/v1/grants').expect(200)).body.data as { uses: number }[])[0]!.uses;

  it('a request that asks for an answer is left to people, even one its defaults answer, and takes no use', async () => {
    for (const schema of [OPEN, DEFAULTED]) {
      const a = await ask(seed, { action_type: 'deploy.staging', response_schema: schema });
      expect(a).toMatchObject({ status: 'pending', decided_by_type: null, response: null });
    }
    expect(await uses()).toBe(0);
  });

  it('a request with editable fields only is approved by the grant as asked', async () => {
    const a = await ask(seed, { action_type: 'deploy.staging', metadata: { v: '2' }, editable: ['metadata.v'] });
    expect(a).toMatchObject({ status: 'approved', decided_by_type: 'grant', response: null, edits: [], approved_content: { metadata: { v: '2' }, changes: null } });
    expect(await uses()).toBe(1);
  });
});

describe('what was approved is masked where what was asked is', () => {
  it('a reviewer without see_sensitive sees approved_content masked at the redact paths, the edits in full; the requester sees it all', async () => {
    const seed = await seedOrg(server.db);
    const reviewer = await signedIn(server, seed, 'approver');
    const a = await ask(seed, { metadata: { ssn: '123-45-6789', note: 'draft' }, redact: ['metadata.ssn'], editable: ['metadata.note'] });
    const decided = (await reviewer.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', edits: { 'metadata.note': 'final' } }).expect(200)).body;
    expect(decided).toMatchObject({
      status: 'approved',
      redacted: true,
      metadata: { ssn: REDACTED_VALUE, note: 'draft' },
      approved_content: { metadata: { ssn: REDACTED_VALUE, note: 'final' }, changes: null },
      edits: [{ path: 'metadata.note', before: 'draft', after: 'final' }],
    });
    expect(JSON.stringify(decided)).not.toContain('123-45-6789');
    const own = (await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200)).body;
    expect(own).toMatchObject({ redacted: false, approved_content: { metadata: { ssn: '123-45-6789', note: 'final' } } });
  });

  it("another org's key cannot vote, answer or not: 404", async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db, 'Other');
    const a = await ask(seed, { response_schema: OPEN });
    const res = await server.http(other.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', response: { amount: 1 } }).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('a viewer cannot vote, answer or not: 403 before the answer is looked at', async () => {
    const seed = await seedOrg(server.db);
    const viewer = await signedIn(server, seed, 'viewer');
    const a = await ask(seed, { response_schema: OPEN });
    const res = await viewer.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', response: { amount: 'x' } }).expect(403);
    expect(res.body.error.code).not.toBe('VALIDATION_ERROR');
  });
});
