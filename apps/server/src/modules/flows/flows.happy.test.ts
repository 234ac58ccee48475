import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn } from '../../testing/session.ts';
import { createRequest, eventsOf } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** An org with a team of three (SRE) and a manager, and a two-step flow: 2 of SRE, then the manager. */
async function twoStepFlow() {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const sre = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
  const manager = await seed.addUser('approver');
  const outsider = await seed.addUser('approver');
  const team = (await admin.http().post('/api/v1/teams').send({ name: 'SRE', member_ids: sre.map((u) => u.id) }).expect(201)).body;
  const flow = (
    await admin
      .http()
      .post('/api/v1/flows')
      .send({
        name: 'Production deploy',
        steps: [
          { name: 'SRE', approvers: { team_ids: [team.id] }, quorum: 2 },
          { name: 'Engineering management', approvers: { user_ids: [manager.id] }, time_limit_seconds: 3600 },
        ],
        expires_in_seconds: 86_400,
        on_expiry: 'reject',
      })
      .expect(201)
  ).body;
  return { seed, admin, sre, manager, outsider, team, flow };
}

describe('approval flows', () => {
  it('an admin creates a flow; anyone in the org, API keys included, reads it; changes make versions and are audited', async () => {
    const { seed, admin, team, manager, flow } = await twoStepFlow();
    expect(flow).toEqual({
      id: expect.any(String),
      name: 'Production deploy',
      description: null,
      version: 1,
      steps: [
        { name: 'SRE', approvers: { user_ids: [], team_ids: [team.id] }, quorum: 2, time_limit_seconds: null, reminders: null },
        { name: 'Engineering management', approvers: { user_ids: [manager.id], team_ids: [] }, quorum: 1, time_limit_seconds: 3600, reminders: null },
      ],
      expires_in_seconds: 86_400,
      on_expiry: 'reject',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await server.http(seed.key).get('/api/v1/flows').expect(200)).body.data).toEqual([flow]);
    const changed = await admin.http().patch(`/api/v1/flows/${flow.id}`).send({ on_expiry: 'expire', expires_in_seconds: null }).expect(200);
    expect(changed.body).toMatchObject({ version: 2, on_expiry: 'expire', expires_in_seconds: null, steps: flow.steps });
    await admin.http().delete(`/api/v1/flows/${flow.id}`).expect(200);
    expect((await server.http(seed.key).get('/api/v1/flows').expect(200)).body.data).toEqual([]);
    const { rows } = await server.db.query<{ type: string }>("SELECT type FROM audit_log WHERE org_id = $1 AND type LIKE 'flow.%' ORDER BY id", [seed.org.id]);
    expect(rows.map((r) => r.type)).toEqual(['flow.created', 'flow.updated', 'flow.deleted']);
  });

  it('a two-step run with a team quorum of 2: active step, order, per-reviewer results, counters, and the step time limit', async () => {
    const { seed, sre, manager, outsider, flow } = await twoStepFlow();
    const created = await createRequest(server, seed.key, { flow_id: flow.id });
    const get = async () => (await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body;

    let a = await get();
    expect(a).toMatchObject({ flow_id: flow.id, flow_version: 1, is_sequential: true, required_approvals: 2, current_approvals: 0, on_expiry: 'reject' });
    expect(Date.parse(a.expires_at) - Date.parse(a.created_at)).toBeGreaterThan(86_000_000);
    expect(a.run).toMatchObject({ flow_id: flow.id, flow_version: 1, status: 'pending', active_step: 1 });
    expect(a.run.steps.map((s: { name: string; status: string; quorum: number }) => [s.name, s.status, s.quorum])).toEqual([
      ['SRE', 'pending', 2],
      ['Engineering management', 'pending', 1],
    ]);
    const [step1, step2] = a.run.steps;

    // Not asked: refused, and nothing recorded.
    const refused = await (await sessionOf(server, seed, outsider)).http().patch(`/api/v1/approvals/${created.id}/steps/${step1.id}`).send({ decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'NOT_APPROVER', details: { reason: 'not_asked' } });
    // Step 2 waits for step 1.
    const early = await (await sessionOf(server, seed, manager)).http().patch(`/api/v1/approvals/${created.id}/steps/${step2.id}`).send({ decision: 'approve' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'STEP_OUT_OF_ORDER', details: { reason: 'step_out_of_order', next_step_order: 1 } });

    await (await sessionOf(server, seed, sre[0]!)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve', comment: 'first' }).expect(200);
    a = await get();
    expect(a.run.active_step).toBe(1);
    expect(a.run.steps[0]).toMatchObject({ status: 'pending', approvals: 1 });
    expect(a.current_approvals).toBe(0);

    await (await sessionOf(server, seed, sre[2]!)).http().patch(`/api/v1/approvals/${created.id}/steps/${step1.id}`).send({ decision: 'approve', comment: 'second' }).expect(200);
    a = await get();
    // Step 1 of 2 approved: one of two, still pending; step 2's hour has started.
    expect(a).toMatchObject({ status: 'pending', current_approvals: 1, required_approvals: 2 });
    expect(a.run.active_step).toBe(2);
    const left = Date.parse(a.expires_at) - Date.now();
    expect(left).toBeGreaterThan(3_000_000);
    expect(left).toBeLessThanOrEqual(3_600_000);

    await (await sessionOf(server, seed, manager)).http().patch(`/api/v1/approvals/${created.id}/steps/${step2.id}`).send({ decision: 'approve', comment: 'ship it' }).expect(200);
    a = await get();
    expect(a).toMatchObject({ status: 'approved', current_approvals: 2, required_approvals: 2 });
    expect(a.run.active_step).toBeNull();
    expect(a.results.map((r: { reviewer: { id: string }; step_order: number; result: string; comment: string }) => [r.reviewer.id, r.step_order, r.result, r.comment])).toEqual([
      [sre[0]!.id, 1, 'approved', 'first'],
      [sre[2]!.id, 1, 'approved', 'second'],
      [manager.id, 2, 'approved', 'ship it'],
    ]);
    expect(a.results[0].reviewer).toEqual({ type: 'user', id: sre[0]!.id, name: sre[0]!.email });
    expect(a.run.steps[0].results.map((r: { comment: string }) => r.comment)).toEqual(['first', 'second']);
    expect((await eventsOf(server, created.id)).map((e) => e.type)).toEqual([
      'approval.created',
      'step.vote_recorded',
      'step.decided',
      'step.decided',
      'approval.approved',
    ]);
  });

  it('changing a flow never changes a run already started; the next run takes the new version', async () => {
    const { seed, admin, manager, flow } = await twoStepFlow();
    const before = await createRequest(server, seed.key, { flow_id: flow.id });
    await admin.http().patch(`/api/v1/flows/${flow.id}`).send({ steps: [{ name: 'Only the manager', approvers: { user_ids: [manager.id] } }] }).expect(200);
    const after = await createRequest(server, seed.key, { flow_id: flow.id });
    const old = (await server.http(seed.key).get(`/api/v1/approvals/${before.id}`).expect(200)).body;
    const fresh = (await server.http(seed.key).get(`/api/v1/approvals/${after.id}`).expect(200)).body;
    expect(old.flow_version).toBe(1);
    expect(old.run.steps.map((s: { name: string }) => s.name)).toEqual(['SRE', 'Engineering management']);
    expect(fresh.flow_version).toBe(2);
    expect(fresh.run.steps.map((s: { name: string }) => s.name)).toEqual(['Only the manager']);
    expect(fresh.required_approvals).toBe(1);
    // A run's steps are its flow's: not replaced by hand.
    const replaced = await server.http(seed.key).post(`/api/v1/approvals/${before.id}/steps`).send({ steps: [{ approver_id: manager.id, step_order: 1 }] });
    expect(replaced.status).toBe(409);
    expect(replaced.body.error.code).toBe('STEPS_LOCKED');
  });

  it('explicit steps count steps too: after step 1 of 2 the request reads one of two', async () => {
    const seed = await seedOrg(server.db);
    const [ann, bob] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: true, required_approvals: 1 });
    const steps = (await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: ann.id, step_order: 1 }, { approver_id: bob.id, step_order: 2 }] }).expect(201)).body.data;
    await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${created.id}/steps/${steps[0].id}`).send({ decision: 'approve' }).expect(200);
    const a = (await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body;
    expect(a).toMatchObject({ status: 'pending', current_approvals: 1, required_approvals: 2 });
    expect(a.run).toMatchObject({ flow_id: null, flow_version: null, active_step: 2 });
  });
});
