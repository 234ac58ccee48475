/**
 * A policy set that cannot be saved: every refusal a 400 in the error envelope naming the line and
 * column and the reason, and nothing of the version saved before it lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_LIMITS, POLICY_LIMITS } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
const NEVER = { priorities: ['critical'], action_types: [] };
const SAVED = '@id("reads")\npermit (principal, action, resource)\nwhen { resource has action_type && resource.action_type like "read.*" };\n';
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  admin = await signedIn(server, seed);
  await admin.http().put('/api/v1/policies').send({ source: SAVED, never_without_person: NEVER }).expect(200);
}, 60_000);
afterAll(() => server.stop());

describe('a policy text refused', () => {
  const cases: [string, string, number, number, string][] = [
    ['a syntax error', '@id("a")\npermit (principal, action, resource)\nwhen { resource.priority == };', 3, 29, 'unexpected token `}`'],
    ['an attribute the schema does not have', '@id("a")\npermit (principal, action, resource)\nwhen { resource.owner == "me" };', 3, 8, 'attribute `owner` on entity type `Greenlight::Request` not found'],
    ['an optional attribute read without has', '@id("a")\n\npermit (principal, action, resource)\nwhen { resource.source == "ci" };', 4, 8, 'optional attribute `source`'],
    ['an unknown entity type', '@id("a")\npermit (principal is Greenlight::Robot, action, resource);', 2, 22, 'unrecognized entity type `Greenlight::Robot`'],
    ['a policy without @id', 'permit (principal, action, resource);', 1, 1, 'needs an @id'],
    ['an @id with spaces', '@id("my policy")\npermit (principal, action, resource);', 1, 1, 'use 1 to 100 letters'],
    ['a duplicate @id', '@id("a")\nforbid (principal, action, resource);\n@id("a")\nforbid (principal, action, resource);', 3, 1, 'also the id of the policy on line 1'],
    ['a permit of critical requests', '@id("a")\npermit (principal, action, resource)\nwhen { resource.priority == "critical" };', 1, 1, 'never goes without a person'],
  ];

  it.each(cases)('%s: 400 naming line and column; the saved set unchanged', async (_name, source, line, column, reason) => {
    const res = await admin.http().put('/api/v1/policies').send({ source, never_without_person: NEVER });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', request_id: expect.any(String) });
    expect(res.body.error.message).toContain(`source: line ${line}, column ${column}: `);
    expect(res.body.error.message).toContain(reason);
    expect(res.body.error.details.issues[0]).toMatchObject({ path: 'source', line, column });
    expect((await admin.http().get('/api/v1/policies').expect(200)).body).toMatchObject({ version: 1, source: SAVED });
  });

  it('every issue is listed, each at its own line', async () => {
    const source = '@id("a")\npermit (principal, action, resource)\nwhen { resource.nope == 1 };\n\n@id("b")\nforbid (principal, action, resource)\nwhen { resource.also_nope == 2 };';
    const res = await admin.http().put('/api/v1/policies').send({ source, never_without_person: NEVER }).expect(400);
    expect(res.body.error.details.issues.map((i: { line: number; policy_id?: string }) => [i.line, i.policy_id])).toEqual([
      [3, 'a'],
      [7, 'b'],
    ]);
  });

  it('a line counted in characters after non-ASCII text', async () => {
    const res = await admin.http().put('/api/v1/policies').send({ source: '// café ☕\n@id("a") permit (principal, action, resource) when { "é" == resource.nope };', never_without_person: NEVER }).expect(400);
    expect(res.body.error.details.issues[0]).toMatchObject({ line: 2, column: 61 });
  });
});

describe('other refusals', () => {
  it.each([
    ['no never_without_person', { source: '' }, 'never_without_person'],
    ['an unknown priority', { source: '', never_without_person: { priorities: ['urgent'], action_types: [] } }, 'never_without_person.priorities'],
    ['a malformed glob', { source: '', never_without_person: { priorities: [], action_types: ['pay.[x'] } }, 'never_without_person.action_types.0'],
    ['an unknown field', { source: '', never_without_person: NEVER, mode: 'shadow' }, 'mode'],
    ['a text too long', { source: 'x'.repeat(20_001), never_without_person: NEVER }, 'source'],
    ['a source that is not text', { source: 42, never_without_person: NEVER }, 'source'],
  ])('%s → 400', async (_name, body, message) => {
    const res = await admin.http().put('/api/v1/policies').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error)).toContain(message);
    expect((await admin.http().get('/api/v1/policies').expect(200)).body).toMatchObject({ version: 1, source: SAVED });
  });

  it('a change from an older version → 409 VERSION_CONFLICT, nothing saved', async () => {
    const res = await admin.http().put('/api/v1/policies').send({ source: '', never_without_person: NEVER, expected_version: 0 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { expected_version: 0, current_version: 1 } });
    expect((await admin.http().get('/api/v1/policies').expect(200)).body).toMatchObject({ version: 1, source: SAVED });
  });
});

describe('a set that would approve what a person rejected', () => {
  it('409 CONFIRMATION_REQUIRED listing those requests, nothing saved; saved with confirm_approves_rejected', async () => {
    const org = await seedOrg(server.db);
    const orgAdmin = await signedIn(server, org);
    const rejected = (await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ title: 'Read the payroll', priority: 'low', action_type: 'read.payroll' })).expect(201)).body;
    await orgAdmin.http().patch(`/api/v1/approvals/${rejected.id}`).send({ decision: 'reject', comment: 'not that' }).expect(200);
    const approved = (await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ title: 'Read logs', priority: 'low', action_type: 'read.logs' })).expect(201)).body;
    await orgAdmin.http().patch(`/api/v1/approvals/${approved.id}`).send({ decision: 'approve' }).expect(200);

    const body = { source: SAVED, never_without_person: NEVER };
    const res = await orgAdmin.http().put('/api/v1/policies').send(body).expect(409);
    expect(res.body.error).toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      details: {
        approves_rejected: 1,
        replayed: 2,
        disagreements: [{ approval_id: rejected.id, title: 'Read the payroll', decided: 'rejected', decided_by_type: 'user', candidate: 'approve', policy_id: 'reads' }],
      },
    });
    expect(res.body.error.message).toContain('would approve 1 request a person rejected');
    expect((await orgAdmin.http().get('/api/v1/policies').expect(200)).body.version).toBe(0);

    await orgAdmin.http().put('/api/v1/policies').send({ ...body, confirm_approves_rejected: false }).expect(409);
    const saved = (await orgAdmin.http().put('/api/v1/policies').send({ ...body, confirm_approves_rejected: true }).expect(200)).body;
    expect(saved.version).toBe(1);
  });

  it('a set that only agrees with people, or rejects, needs no confirmation', async () => {
    const org = await seedOrg(server.db);
    const orgAdmin = await signedIn(server, org);
    const a = (await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ title: 'Deploy', priority: 'low', action_type: 'deploy.web' })).expect(201)).body;
    await orgAdmin.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    const source = '@id("no-deploys")\nforbid (principal, action, resource) when { resource has action_type && resource.action_type like "deploy.*" };';
    await orgAdmin.http().put('/api/v1/policies').send({ source, never_without_person: NEVER }).expect(200);
  });
});

describe('the size of a set', () => {
  it('a thousand policies are saved whole; a text beyond the long-text limit, or longer text in another field, is 400 naming the field', async () => {
    const org = await seedOrg(server.db);
    const its = await signedIn(server, org);
    const thousand = Array.from({ length: POLICY_LIMITS.policiesMax }, (_, i) =>
      `@id("p-${i}")\n@reason("team ${i} reads")\npermit (principal, action, resource)\nwhen { resource has action_type && resource.action_type == "read.team-${i}" };\n`,
    ).join('');
    expect(thousand.length).toBeGreaterThan(INPUT_LIMITS.jsonStringMax);
    const saved = await its.http().put('/api/v1/policies').send({ source: thousand, never_without_person: NEVER, expected_version: 0 });
    expect(saved.status, JSON.stringify(saved.body).slice(0, 500)).toBe(200);
    expect(saved.body.policies).toHaveLength(POLICY_LIMITS.policiesMax);
    const read = await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'read.team-999' })).expect(201);
    expect(read.body).toMatchObject({ status: 'approved', decided_by_policy: { id: 'p-999' } });

    const tooLong = `// ${'x'.repeat(INPUT_LIMITS.longTextMax)}\n`;
    const refused = await its.http().put('/api/v1/policies').send({ source: tooLong, never_without_person: NEVER, expected_version: 1 }).expect(400);
    expect(refused.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { issues: [{ path: 'source', code: 'input_limit' }] } });
    // Only the set's text is long text: a title is held to the usual limit.
    const title = await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ title: 'x'.repeat(INPUT_LIMITS.jsonStringMax + 1) })).expect(400);
    expect(title.body.error.details.issues[0]).toMatchObject({ path: 'title', code: 'input_limit' });
    expect((await its.http().get('/api/v1/policies').expect(200)).body).toMatchObject({ version: 1 });
  }, 120_000);
});
