import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let admin: SignedIn;
let viewer: { id: string };
let flowId: string;
let theirFlowId: string;
let theirConnectionId: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  admin = await signedIn(server, seed);
  viewer = await seed.addUser('viewer');
  flowId = (await admin.http().post('/api/v1/flows').send({ name: 'Deploy', steps: [{ approvers: { user_ids: [seed.admin.id] } }] }).expect(201)).body.id;
  const other = await seedOrg(server.db);
  theirConnectionId = other.connectionId;
  theirFlowId = (
    await (await signedIn(server, other)).http().post('/api/v1/flows').send({ name: 'Theirs', steps: [{ approvers: { user_ids: [other.admin.id] } }] }).expect(201)
  ).body.id;
});
afterAll(() => server.stop());

const rule = (over: { match?: object; action?: object; id?: string; name?: string }) => ({ name: over.name ?? 'r', match: over.match ?? {}, action: over.action ?? { flow_id: flowId }, ...(over.id && { id: over.id }) });

describe('routing rule refusals', () => {
  const cases: [string, () => object, () => string][] = [
    ['a malformed glob', () => ({ rules: [rule({ match: { action_type: 'deploy.[prod' } })] }), () => 'rules.0.match.action_type: "deploy.[prod" is not a valid glob'],
    ['an impossible glob', () => ({ rules: [rule({ match: { source: '[z-a]' } })] }), () => 'rules.0.match.source: "[z-a]" is not a valid glob: the pattern can match nothing'],
    ['a negated glob', () => ({ rules: [rule({ match: { action_type: '!deploy.*' } })] }), () => 'rules.0.match.action_type: "!deploy.*" is not a valid glob: a leading ! (negation)'],
    ['an unknown flow', () => ({ rules: [rule({ action: { flow_id: '00000000-0000-4000-8000-000000000000' } })] }), () => 'rules.0.action.flow_id: flow_id 00000000-0000-4000-8000-000000000000 is not a flow of this organization'],
    ["another org's flow", () => ({ rules: [rule({ action: { flow_id: theirFlowId } })] }), () => `rules.0.action.flow_id: flow_id ${theirFlowId} is not a flow of this organization`],
    ['an unknown team', () => ({ rules: [rule({ action: { approvers: { team_ids: ['00000000-0000-4000-8000-000000000001'] } } })] }), () => 'rules.0.action.approvers.team_ids.0: team_id 00000000-0000-4000-8000-000000000001 is not a team of this organization'],
    ['a viewer as approver', () => ({ rules: [rule({ action: { approvers: { user_ids: [viewer.id] } } })] }), () => `rules.0.action.approvers.user_ids.0: approver_id ${viewer.id} is a viewer and cannot approve`],
    ['a quorum above the people asked', () => ({ rules: [rule({ action: { approvers: { user_ids: [seed.admin.id] }, quorum: 2 } })] }), () => 'rules.0.action.quorum: quorum 2 is more than the 1 person this step asks'],
    ['neither flow nor approvers', () => ({ rules: [rule({ action: { on_expiry: 'reject' } })] }), () => 'rules.0.action: an action names either a flow_id or approvers, not both'],
    ['both flow and approvers', () => ({ rules: [rule({ action: { flow_id: flowId, approvers: { user_ids: [seed.admin.id] } } })] }), () => 'rules.0.action: an action names either a flow_id or approvers, not both'],
    ['a quorum with a flow', () => ({ rules: [rule({ action: { flow_id: flowId, quorum: 1 } })] }), () => 'rules.0.action.quorum: quorum goes with approvers'],
    ["another org's connection", () => ({ rules: [rule({ match: { connection_ids: [theirConnectionId] } })] }), () => `rules.0.match.connection_ids.0: connection ${theirConnectionId} is not a connection of this organization`],
    ['an unknown rule id', () => ({ rules: [rule({ id: '00000000-0000-4000-8000-000000000002' })] }), () => 'rules.0.id: 00000000-0000-4000-8000-000000000002 is not a rule of this organization'],
    ['a bad Slack channel', () => ({ rules: [rule({ action: { flow_id: flowId, slack_channel: '#Not A Channel' } })] }), () => 'rules.0.action.slack_channel'],
    ['an unknown priority', () => ({ rules: [rule({ match: { priority: 'urgent' } })] }), () => 'rules.0.match.priority'],
    ['an unknown match field', () => ({ rules: [rule({ match: { title: 'x' } })] }), () => 'unknown field: title'],
    ['an empty name', () => ({ rules: [rule({ name: ' ' })] }), () => 'rules.0.name'],
    ['an expiry under a minute', () => ({ rules: [rule({ action: { flow_id: flowId, expires_in_seconds: 5 } })] }), () => 'rules.0.action.expires_in_seconds'],
  ];

  it.each(cases)('PUT refuses %s with 400 in the envelope, naming the field, and saves nothing', async (_name, body, message) => {
    const res = await admin.http().put('/api/v1/routing-rules').send(body());
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', request_id: expect.any(String) });
    expect(res.body.error.message).toContain(message());
    expect((await admin.http().get('/api/v1/routing-rules').expect(200)).body).toMatchObject({ version: 0, rules: [] });
  });

  it.each(cases)('the dry run refuses %s the same way', async (_name, body, message) => {
    const res = await admin.http().post('/api/v1/routing-rules/dry-run').send(body());
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(message());
  });

  it('a rule listed twice, a dry-run limit out of range, a body that is not a rule set', async () => {
    const saved = (await admin.http().put('/api/v1/routing-rules').send({ rules: [rule({ name: 'one' })] }).expect(200)).body;
    const id = saved.rules[0].id;
    const twice = await admin.http().put('/api/v1/routing-rules').send({ rules: [rule({ id }), rule({ id })] });
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toContain(`rules.1.id: rule ${id} is listed twice`);
    for (const limit of [0, 2001, 'many']) {
      expect((await admin.http().post('/api/v1/routing-rules/dry-run').send({ rules: [], limit })).status).toBe(400);
    }
    for (const body of [{}, { rules: 'all' }, [], { rules: [], extra: true }]) {
      expect((await admin.http().put('/api/v1/routing-rules').send(body)).status).toBe(400);
    }
    expect((await admin.http().put('/api/v1/routing-rules').send({ rules: Array.from({ length: 101 }, () => rule({})) })).status).toBe(400);
    await admin.http().put('/api/v1/routing-rules').send({ rules: [] }).expect(200);
  });

  it('a change made from an old version is refused with 409 VERSION_CONFLICT; deleting an unknown rule is 404', async () => {
    const o = await seedOrg(server.db);
    const a = await signedIn(server, o);
    await a.http().put('/api/v1/routing-rules').send({ rules: [], expected_version: 0 }).expect(200);
    const stale = await a.http().put('/api/v1/routing-rules').send({ rules: [], expected_version: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'VERSION_CONFLICT', details: { expected_version: 0, current_version: 1 } });
    expect((await a.http().delete(`/api/v1/routing-rules/${randomUUID()}`)).status).toBe(404);
    expect((await a.http().get(`/api/v1/routing-rules/not-a-uuid`)).status).toBe(404);
  });
});
