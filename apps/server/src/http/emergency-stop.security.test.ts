/**
 * The emergency stop, against every route of the route table: while an org's stop is on, every
 * mutating route answers 503 EMERGENCY_STOP and changes nothing; every read still answers.
 */
import { callRoute as callAnyRoute, errorBody } from '../testing/route-calls.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_LIST, type OperationId, type RouteDef } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { setEmergencyStop } from '../modules/orgs/create-org.ts';
import { signedIn } from '../testing/session.ts';

let server: TestServer;
let org: SeededOrg;
let approver: { key: string };
let approvalId: string;
let stepId: string;
let snapshot: { approval: unknown; events: number; comments: number; steps: unknown };

/** Valid bodies where known, so that nothing but the stop decides the answer; other body routes get `{}`. */
let bodies: Partial<Record<OperationId, object>>;
/** What each read answered before the stop was turned on. */
const before = new Map<string, number>();

/** What is stored of a request; viewer_can is what the caller may do now, which the stop changes. */
async function stateOf(id: string) {
  const { viewer_can: _viewerCan, ...approval } = (await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
  const q = async (sql: string) => (await server.db.query<{ n: number }>(sql, [id])).rows[0]!.n;
  return {
    approval,
    events: await q('SELECT count(*)::int AS n FROM events WHERE approval_id = $1'),
    comments: await q('SELECT count(*)::int AS n FROM comments WHERE approval_id = $1'),
    steps: (await server.db.query('SELECT id, status, approver_ids FROM approval_steps WHERE approval_id = $1 ORDER BY step_order', [id])).rows,
  };
}

beforeAll(async () => {
  server = await startTestServer();
  org = await seedOrg(server.db);
  approver = await org.newKey();
  // The second key decides the request's step after the stop: through the org's admin override.
  await server.db.query('UPDATE orgs SET admin_override = true WHERE id = $1', [org.org.id]);
  const member = await org.addUser('approver');
  approvalId = (await server.http(org.key).post('/api/v1/approvals').send(approvalBody({ required_approvals: 1 })).expect(201)).body.id;
  const steps = await server.http(org.key).post(`/api/v1/approvals/${approvalId}/steps`).send({ steps: [{ approver_id: member.id, step_order: 1 }] }).expect(201);
  stepId = steps.body.data[0].id;
  await server.http(org.key).post(`/api/v1/approvals/${approvalId}/comments`).send({ body: 'before the stop' }).expect(201);
  bodies = {
    createApproval: approvalBody(),
    decideApproval: { decision: 'approve' },
    batchDecideApprovals: { ids: [approvalId], decision: 'approve' },
    createComment: { body: 'during the stop' },
    configureSteps: { steps: [{ approver_id: member.id, step_order: 1 }] },
    voteStep: { decision: 'approve' },
  };
  flowId = (await server.db.query<{ id: string }>("INSERT INTO flows (org_id, name) VALUES ($1, 'Deploy') RETURNING id", [org.org.id])).rows[0]!.id;
  await server.db.query(`INSERT INTO flow_versions (flow_id, version, definition) VALUES ($1, 1, '{"description":null,"expires_in_seconds":null,"on_expiry":"expire","steps":[]}')`, [flowId]);
  teamId = (await server.db.query<{ id: string }>("INSERT INTO teams (org_id, name) VALUES ($1, 'SRE') RETURNING id", [org.org.id])).rows[0]!.id;
  await server.db.query('INSERT INTO routing_rule_sets (org_id, version, updated_by_type) VALUES ($1, 1, $2)', [org.org.id, 'system']);
  ruleId = (
    await server.db.query<{ id: string }>(
      `INSERT INTO routing_rules (org_id, position, name, match, action) VALUES ($1, 1, 'Everything', '{}', $2) RETURNING id`,
      [org.org.id, JSON.stringify({ approvers: { user_ids: [member.id], team_ids: [] }, quorum: 1 })],
    )
  ).rows[0]!.id;
  for (const [n, route] of READS) before.set(n, (await callRoute(route, org.key)).status);
  snapshot = await stateOf(approvalId);
  await setEmergencyStop(server.db, org.org.id, true);
});
afterAll(() => server.stop());
/** A team, for the reads of one by id. */
let teamId: string;
let flowId: string;
let ruleId: string;

function callRoute(route: RouteDef, key: string) {
  const byPath = (p: string) => (p.startsWith('/api/v1/teams/') ? teamId : p.startsWith('/api/v1/flows/') ? flowId : p.startsWith('/api/v1/routing-rules/') ? ruleId : approvalId);
  // The runs API's approval is the request itself: an approval with one run.
  const path = route.path
    .replace('{id}', byPath(route.path))
    .replace('{stepId}', stepId)
    .replace('{userId}', org.admin.id)
    .replace('{organizationId}', org.org.id)
    .replace(/\{(approvalId|approvalRunId)\}/g, approvalId);
  return callAnyRoute(server.url, route, { authorization: `Bearer ${key}`, path, body: bodies[route.operationId as OperationId] ?? {} });
}

const name = (r: RouteDef) => `${r.method.toUpperCase()} ${r.path}`;
/**
 * Routes that change the org, its members or its credentials, never an approval request: not
 * `mutating`, so the stop lets them through (an admin turns the stop off with PATCH /org, and
 * revokes a leaked key while it is on). An API key gets 403 from them, before and during the stop.
 */
const ADMINISTRATION: OperationId[] = [
  'createTeam',
  'updateTeam',
  'deleteTeam',
  'addTeamMember',
  'removeTeamMember',
  'createFlow',
  'updateFlow',
  'deleteFlow',
  'putRoutingRules',
  'dryRunRoutingRules',
  'deleteRoutingRule',
  'updateOrg',
  'updateMyNotificationPreferences',
  'updateOrgNotificationDefaults',
  'updateSlackSettings',
  'deleteSlackSettings',
  'createOAuthClient',
  'revokeOAuthClient',
  'addMember',
  'updateMember',
  'removeMember',
  'createConnection',
  'revokeConnection',
  'setPassword',
  'setMyDelegation',
  'deleteMyDelegation',
  'setMemberDelegation',
  'deleteMemberDelegation',
];
const MUTATING = ROUTE_LIST.filter((r) => r.authorization.emergencyStop === 'refused').map((r) => [name(r), r] as const);
const READS = ROUTE_LIST.filter((r) => r.authorization.emergencyStop !== 'refused').map((r) => [name(r), r] as const);

it('the table has mutating routes and reads, and every route is one or the other', () => {
  expect(MUTATING.length).toBeGreaterThanOrEqual(6);
  expect(READS.length).toBeGreaterThanOrEqual(6);
  expect(MUTATING.every(([, r]) => r.errors.includes(503))).toBe(true);
});

describe('with the stop on', () => {
  it.each(MUTATING)('%s → 503 EMERGENCY_STOP', async (_n, route) => {
    // The second key is not the creator, so four-eyes cannot be what refuses the decision.
    const res = await callRoute(route, ['decideApproval', 'batchDecideApprovals', 'resolveKaireonApproval'].includes(route.operationId) ? approver.key : org.key);
    expect(res.status).toBe(503);
    expect(res.body).toEqual(
      errorBody(route, 'EMERGENCY_STOP', 'the emergency stop is on for this organization: approval requests cannot be changed until an admin turns it off'),
    );
  });

  it.each(READS)('%s still answers as before the stop', async (n, route) => {
    const res = await callRoute(route, org.key);
    expect(res.status, res.text).toBe(before.get(n));
    expect(res.status).not.toBe(503);
    // The reads of the request itself answer 200 with the stop on, as without it.
    if (route.authorization.scope === 'approvals:read' || route.operationId === 'getMe') expect(res.status, res.text).toBe(200);
  });

  it('nothing changed: the request, its events, comments and steps are as before the stop', async () => {
    const now = await stateOf(approvalId);
    expect(now).toEqual(snapshot);
    // What the caller may do says why nothing may be done now.
    const read = await server.http(org.key).get(`/api/v1/approvals/${approvalId}`).expect(200);
    expect(read.body.viewer_can.decide).toMatchObject({ allowed: false, reason: 'The emergency stop is on' });
    const me = await server.http(org.key).get('/api/v1/me').expect(200);
    expect(me.body.org.emergency_stop).toBe(true);
  });

  it.each(ADMINISTRATION.map((id) => [id]))('%s is not refused by the stop', (id) => {
    const route = ROUTE_LIST.find((r) => r.operationId === id)!;
    expect(route.authorization.emergencyStop).toBe('allowed');
    expect(route.errors).not.toContain(503);
  });

  it('an admin signed in to the dashboard revokes a key and adds a member during the stop', async () => {
    const admin = await signedIn(server, org);
    const leaked = await org.newKey();
    await admin.http().delete(`/api/v1/connections/${leaked.connectionId}`).expect(200);
    await server.http(leaked.key).get('/api/v1/me').expect(401);
    await admin.http().post('/api/v1/members').send({ email: `during-stop-${Date.now()}@example.test`, role: 'approver' }).expect(201);
  });

  it('another org is not affected', async () => {
    const other = await seedOrg(server.db);
    const created = await server.http(other.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await server.http(other.key).post(`/api/v1/approvals/${created.body.id}/comments`).send({ body: 'fine here' }).expect(201);
  });
});

describe('with the stop off again', () => {
  it('an approver cannot turn it off; an admin signed in to the dashboard can, with the CSRF token', async () => {
    const approverSession = await signedIn(server, org, 'approver');
    const refused = await approverSession.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(403);
    expect(refused.body.error.message).toBe('only admins can do this; you are approver');
    const admin = await signedIn(server, org);
    const noCsrf = await admin.http({ csrf: false }).patch('/api/v1/org').send({ emergency_stop: false }).expect(403);
    expect(noCsrf.body.error.message).toBe('a signed-in request that changes something must carry the X-CSRF-Token header');
    expect((await server.http(org.key).get('/api/v1/me').expect(200)).body.org.emergency_stop).toBe(true);
    const off = await admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    expect(off.body).toEqual({ id: org.org.id, slug: org.org.slug, name: org.org.name, emergency_stop: false, admin_override: true, resolve_policy: 'approvers' });
  });

  it('changes are accepted again', async () => {
    expect((await server.http(org.key).get('/api/v1/me').expect(200)).body.org.emergency_stop).toBe(false);
    await server.http(org.key).post(`/api/v1/approvals/${approvalId}/comments`).send({ body: 'after the stop' }).expect(201);
    await server.http(approver.key).patch(`/api/v1/approvals/${approvalId}`).send({ decision: 'approve' }).expect(200);
    await server.http(org.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
  });
});
