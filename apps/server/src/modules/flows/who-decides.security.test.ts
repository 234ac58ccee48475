import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, approvalBody, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn } from '../../testing/session.ts';
import { createRequest, eventsOf, snapshot } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** A request whose one step asks the team Finance (Ann and Bob). */
async function teamRequest() {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const [ann, bob] = [await seed.addUser('approver'), await seed.addUser('approver')];
  const team = (await admin.http().post('/api/v1/teams').send({ name: 'Finance', member_ids: [ann.id, bob.id] }).expect(201)).body;
  const flow = (await admin.http().post('/api/v1/flows').send({ name: 'Pay', steps: [{ approvers: { team_ids: [team.id] } }] }).expect(201)).body;
  const created = await createRequest(server, seed.key, { flow_id: flow.id });
  const stepId = (await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body.run.steps[0].id;
  return { seed, admin, ann, bob, team, flow, created, stepId };
}

describe('who may decide is who was asked', () => {
  it('admins and API keys are refused a step that does not ask them (admin_override_off), and nothing is written', async () => {
    const { seed, admin, created, stepId } = await teamRequest();
    const before = await snapshot(server, created.id);
    const other = await seed.newKey();
    for (const res of [
      await admin.http().patch(`/api/v1/approvals/${created.id}/steps/${stepId}`).send({ decision: 'approve' }),
      await admin.http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }),
      await server.http(other.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'NOT_APPROVER', details: { reason: 'admin_override_off' } });
    }
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('with the admin override allowed, an admin decides, and the use is on the request events and in the audit log', async () => {
    const { seed, admin, created, stepId } = await teamRequest();
    const changed = await admin.http().patch('/api/v1/org').send({ admin_override: true }).expect(200);
    expect(changed.body).toMatchObject({ emergency_stop: false, admin_override: true, resolve_policy: 'approvers' });
    await admin.http().patch(`/api/v1/approvals/${created.id}/steps/${stepId}`).send({ decision: 'approve', comment: 'covering' }).expect(200);
    const decided = (await eventsOf(server, created.id)).find((e) => e.type === 'step.decided')!;
    expect(decided.data).toMatchObject({ admin_override: true, comment: 'covering' });
    const { rows } = await server.db.query<{ type: string; actor_id: string; target_id: string; details: Record<string, unknown> }>(
      "SELECT type, actor_id, target_id, details FROM audit_log WHERE org_id = $1 AND type IN ('org.settings_changed', 'approval.admin_override') ORDER BY id",
      [seed.org.id],
    );
    expect(rows.map((r) => [r.type, r.actor_id])).toEqual([
      ['org.settings_changed', seed.admin.id],
      ['approval.admin_override', seed.admin.id],
    ]);
    expect(rows[1]).toMatchObject({ target_id: created.id, details: { step_id: stepId, decision: 'approve' } });
  });

  it('resolve_policy admin_only: a team member who was asked is refused (admin_only); an admin decides', async () => {
    const { seed, admin, ann, created } = await teamRequest();
    await admin.http().patch('/api/v1/org').send({ resolve_policy: 'admin_only' }).expect(200);
    const refused = await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'NOT_APPROVER', details: { reason: 'admin_only' } });
    // Requests without steps too.
    const plain = await createRequest(server, seed.key);
    const alsoRefused = await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${plain.id}`).send({ decision: 'approve' });
    expect(alsoRefused.body.error.details).toEqual({ reason: 'admin_only', text: 'Only admins decide requests in this organization' });
    await admin.http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    await admin.http().patch(`/api/v1/approvals/${plain.id}`).send({ decision: 'approve' }).expect(200);
  });

  it('four-eyes through a team: the member who asked cannot approve; another member can', async () => {
    const { seed, ann, bob, flow } = await teamRequest();
    const asked = await (await sessionOf(server, seed, ann)).http().post('/api/v1/approvals').send(approvalBody({ flow_id: flow.id })).expect(201);
    const own = await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${asked.body.id}`).send({ decision: 'approve' });
    expect(own.status).toBe(403);
    expect(own.body.error).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN', details: { reason: 'requester' } });
    await (await sessionOf(server, seed, bob)).http().patch(`/api/v1/approvals/${asked.body.id}`).send({ decision: 'approve' }).expect(200);
  });

  it('only admins signed in change who may decide', async () => {
    const seed = await seedOrg(server.db);
    expect((await (await signedIn(server, seed, 'approver')).http().patch('/api/v1/org').send({ admin_override: true })).status).toBe(403);
    expect((await server.http(seed.key).patch('/api/v1/org').send({ resolve_policy: 'admin_only' })).status).toBe(403);
    const bad = await (await signedIn(server, seed)).http().patch('/api/v1/org').send({ resolve_policy: 'everyone' });
    expect(bad.status).toBe(400);
    const { rows } = await server.db.query<{ admin_override: boolean; resolve_policy: string }>('SELECT admin_override, resolve_policy FROM orgs WHERE id = $1', [seed.org.id]);
    expect(rows[0]).toEqual({ admin_override: false, resolve_policy: 'approvers' });
  });
});
