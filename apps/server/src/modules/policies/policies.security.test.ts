/**
 * Who may read and change policies (the contract's authorization: the generated test in
 * http/authorization.security.test.ts walks every principal); here what only policies have: one org's
 * set never decides another's requests, the emergency stop stops auto-decisions too, and a policy's
 * approval is not a person's vote (four-eyes and the votes are untouched).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop());

const NEVER = { priorities: ['critical'], action_types: [] };
const ALLOW_ALL = '@id("everything")\npermit (principal, action, resource);';

describe('policies stay in their org', () => {
  it("one org's permit-everything set decides none of another's requests, and is not readable by it", async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    await (await signedIn(server, a)).http().put('/api/v1/policies').send({ source: ALLOW_ALL, never_without_person: NEVER }).expect(200);
    expect((await server.http(b.key).post('/api/v1/approvals').send(approvalBody({ priority: 'low' })).expect(201)).body.status).toBe('pending');
    expect((await server.http(a.key).post('/api/v1/approvals').send(approvalBody({ priority: 'low' })).expect(201)).body.status).toBe('approved');
    expect((await server.http(b.key).get('/api/v1/policies').expect(200)).body).toMatchObject({ version: 0, source: '' });
  });

  it('approvers and API keys read the set but cannot change it', async () => {
    const seed = await seedOrg(server.db);
    const approver = await signedIn(server, seed, 'approver');
    await approver.http().get('/api/v1/policies').expect(200);
    const refused = await approver.http().put('/api/v1/policies').send({ source: ALLOW_ALL, never_without_person: NEVER });
    expect(refused.status).toBe(403);
    expect((await server.http(seed.key).put('/api/v1/policies').send({ source: ALLOW_ALL, never_without_person: NEVER })).status).toBe(403);
    expect((await server.http(seed.key).get('/api/v1/policies').expect(200)).body.version).toBe(0);
  });
});

describe('the emergency stop stops auto-decisions', () => {
  it('a request sent during the stop is refused (503) and nothing is decided; after the stop the policy decides again', async () => {
    const seed = await seedOrg(server.db);
    await (await signedIn(server, seed)).http().put('/api/v1/policies').send({ source: ALLOW_ALL, never_without_person: NEVER }).expect(200);
    await setEmergencyStop(server.db, seed.org.id, true);
    const stopped = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ priority: 'low', title: 'during the stop' }));
    expect(stopped.status).toBe(503);
    expect(stopped.body.error.code).toBe('EMERGENCY_STOP');
    const { rows } = await server.db.query('SELECT 1 FROM approvals WHERE org_id = $1', [seed.org.id]);
    expect(rows).toHaveLength(0);
    await setEmergencyStop(server.db, seed.org.id, false);
    expect((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ priority: 'low' })).expect(201)).body.status).toBe('approved');
  });
});

describe("a policy's approval is not a person's", () => {
  it('records no vote, and the requester cannot use a policy to approve its critical request', async () => {
    const seed = await seedOrg(server.db);
    await (await signedIn(server, seed)).http().put('/api/v1/policies').send({ source: ALLOW_ALL, never_without_person: NEVER }).expect(200);
    const low = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ priority: 'low' })).expect(201)).body;
    expect(low).toMatchObject({ status: 'approved', current_approvals: 0 });
    const { rows } = await server.db.query('SELECT 1 FROM approval_votes WHERE approval_id = $1', [low.id]);
    expect(rows).toHaveLength(0);
    const critical = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ priority: 'critical' })).expect(201)).body;
    expect(critical.status).toBe('pending');
    expect((await server.http(seed.key).patch(`/api/v1/approvals/${critical.id}`).send({ decision: 'approve' })).body.error.code).toBe('SELF_APPROVAL_FORBIDDEN');
  });

  it('a PATCH cannot set decided_by_type or decided_by_policy', async () => {
    const seed = await seedOrg(server.db);
    const other = await seed.newKey();
    const id = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id;
    const res = await server.http(other.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', decided_by_type: 'policy', decided_by_policy: { id: 'x', version: 1, reason: null } });
    expect(res.status).toBe(400);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'pending', decided_by_type: null });
  });
});
