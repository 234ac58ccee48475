import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn } from '../../testing/session.ts';
import { createRequest, eventsOf, requestAsking } from '../../testing/decisions.ts';
import { askedNow } from '../../core/approvals/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('reassigning a pending step', () => {
  it('the requester moves a step from a person to a team: who is asked changes at once, recorded on the request and in the audit log', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [bob, carl, dana] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const team = (await admin.http().post('/api/v1/teams').send({ name: 'Oncall', member_ids: [carl.id, dana.id] }).expect(201)).body;
    const created = await requestAsking(server, seed.key, bob.id);

    const res = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps/${created.stepId}/reassign`).send({ team_ids: [team.id], quorum: 2, comment: 'Bob is on leave' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: created.stepId, status: 'pending', quorum: 2, approver_id: null, approvers: [{ type: 'team', id: team.id, name: 'Oncall' }] });
    expect(await askedNow(server.db, created.id)).toEqual([carl.id, dana.id].sort());

    const refused = await (await sessionOf(server, seed, bob)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual({ reason: 'not_asked', text: expect.stringMatching(/^Waiting for /) });

    const reassigned = (await eventsOf(server, created.id)).find((e) => e.type === 'step.reassigned')!;
    expect(reassigned).toMatchObject({ actor_type: 'connection', actor_id: seed.connectionId });
    expect(reassigned.data).toEqual({
      step_id: created.stepId,
      step_order: 1,
      // Names beside the ids, as they were: the trail reads "from Bob to team Oncall".
      from: { user_ids: [bob.id], team_ids: [], quorum: 1, approvers: [{ type: 'user', id: bob.id, name: bob.email }] },
      to: { user_ids: [], team_ids: [team.id], quorum: 2, approvers: [{ type: 'team', id: team.id, name: 'Oncall' }] },
      comment: 'Bob is on leave',
    });
    const { rows } = await server.db.query<{ actor_id: string; target_id: string; details: Record<string, unknown> }>(
      "SELECT actor_id, target_id, details FROM audit_log WHERE org_id = $1 AND type = 'approval.step_reassigned'",
      [seed.org.id],
    );
    expect(rows).toEqual([expect.objectContaining({ actor_id: seed.connectionId, target_id: created.id })]);
    expect(rows[0]!.details).toMatchObject({ from: reassigned.data.from, to: reassigned.data.to });
    // The request's own trail (GET events) shows it too.
    const trail = (await admin.http().get(`/api/v1/approvals/${created.id}/events`).expect(200)).body.data;
    expect(trail.map((e: { type: string }) => e.type)).toContain('step.reassigned');

    await (await sessionOf(server, seed, carl)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    await (await sessionOf(server, seed, dana)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    expect((await admin.http().get(`/api/v1/approvals/${created.id}`).expect(200)).body.status).toBe('approved');
  });

  it('an admin reassigns a step of a flow run (the flow is unchanged); votes already cast stay and count', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [ann, bob, eve] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const flow = (await admin.http().post('/api/v1/flows').send({ name: 'Two of three', steps: [{ approvers: { user_ids: [ann.id, bob.id] }, quorum: 2 }] }).expect(201)).body;
    const created = await createRequest(server, seed.key, { flow_id: flow.id });
    const stepId = (await admin.http().get(`/api/v1/approvals/${created.id}`).expect(200)).body.run.steps[0].id;
    await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    // Bob does not answer: the admin asks Eve in his place.
    const res = await admin.http().post(`/api/v1/approvals/${created.id}/steps/${stepId}/reassign`).send({ user_ids: [ann.id, eve.id] }).expect(200);
    expect(res.body.quorum).toBe(2);
    await (await sessionOf(server, seed, eve)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    const detail = (await admin.http().get(`/api/v1/approvals/${created.id}`).expect(200)).body;
    expect(detail.status).toBe('approved');
    expect(detail.results.map((r: { reviewer: { id: string } }) => r.reviewer.id)).toEqual([ann.id, eve.id]);
    expect((await admin.http().get(`/api/v1/flows/${flow.id}`).expect(200)).body).toMatchObject({ version: 1, steps: [{ approvers: { user_ids: [ann.id, bob.id] } }] });
  });
});
