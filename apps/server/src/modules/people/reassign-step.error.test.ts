import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { createRequest, snapshot, stepAskingBob } from '../../testing/decisions.ts';
import { sessionOf } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function pendingStep() {
  const c = await stepAskingBob(server);
  const viewer = await c.seed.addUser('viewer');
  const other = await seedOrg(server.db);
  return { ...c, viewer, stepId: c.created.stepId, stranger: await other.addUser('approver') };
}
type Ctx = Awaited<ReturnType<typeof pendingStep>>;

describe('reassigning a step: refusals say why and change nothing', () => {
  it.each([
    ['nobody named', () => ({}), 400, 'VALIDATION_ERROR', 'name at least one user or team'],
    ['a person of another org', (c: Ctx) => ({ user_ids: [c.stranger.id] }), 400, 'VALIDATION_ERROR', 'is not a member of this organization'],
    ['a viewer', (c: Ctx) => ({ user_ids: [c.viewer.id] }), 400, 'VALIDATION_ERROR', 'is a viewer and cannot approve'],
    ['an unknown team', () => ({ team_ids: [randomUUID()] }), 400, 'VALIDATION_ERROR', 'is not a team of this organization'],
    ['a quorum larger than the people asked', (c: Ctx) => ({ user_ids: [c.carl.id], quorum: 2 }), 400, 'VALIDATION_ERROR', 'quorum 2 is more than the 1 person this step asks'],
    ['an unknown field', (c: Ctx) => ({ user_ids: [c.carl.id], status: 'approved' }), 400, 'VALIDATION_ERROR', 'status'],
  ])('%s', async (_, body, status, code, message) => {
    const c = await pendingStep();
    const before = await snapshot(server, c.created.id);
    const res = await server.http(c.seed.key).post(`/api/v1/approvals/${c.created.id}/steps/${c.stepId}/reassign`).send(body(c));
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toContain(message);
    expect(await snapshot(server, c.created.id)).toEqual(before);
  });

  it('an unknown step → 404; a decided step → 409 not_pending; a cancelled request → 409', async () => {
    const c = await pendingStep();
    const unknown = await server.http(c.seed.key).post(`/api/v1/approvals/${c.created.id}/steps/${randomUUID()}/reassign`).send({ user_ids: [c.carl.id] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('step not found');

    const two = await createRequest(server, c.seed.key);
    const steps = (await server.http(c.seed.key).post(`/api/v1/approvals/${two.id}/steps`).send({ steps: [{ approver_id: c.bob.id, step_order: 1 }, { approver_id: c.carl.id, step_order: 2 }] }).expect(201)).body.data;
    await server.db.query("UPDATE approval_steps SET status = 'approved', decided_at = now() WHERE id = $1", [steps[0].id]);
    const decided = await server.http(c.seed.key).post(`/api/v1/approvals/${two.id}/steps/${steps[0].id}/reassign`).send({ user_ids: [c.carl.id] });
    expect(decided.status).toBe(409);
    expect(decided.body.error).toMatchObject({ code: 'INVALID_STATUS', details: { reason: 'not_pending', status: 'approved' } });

    await server.http(c.seed.key).delete(`/api/v1/approvals/${c.created.id}`).expect(200);
    const cancelled = await server.http(c.seed.key).post(`/api/v1/approvals/${c.created.id}/steps/${c.stepId}/reassign`).send({ user_ids: [c.carl.id] });
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error).toMatchObject({ code: 'INVALID_STATUS', details: { reason: 'not_pending' } });
  });

  it('a quorum the votes already cast meet is refused', async () => {
    const c = await pendingStep();
    const created = await createRequest(server, c.seed.key);
    const steps = (await server.http(c.seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: c.bob.id, step_order: 1 }, { approver_id: c.carl.id, step_order: 2 }] }).expect(201)).body.data;
    // A vote recorded on step 2 (not sequential) that leaves it pending under a quorum of all of two.
    await server.http(c.seed.key).post(`/api/v1/approvals/${created.id}/steps/${steps[1].id}/reassign`).send({ user_ids: [c.carl.id, c.bob.id], quorum: 'all' }).expect(200);
    const asCarl = await sessionOf(server, c.seed, c.carl);
    await asCarl.http().patch(`/api/v1/approvals/${created.id}/steps/${steps[1].id}`).send({ decision: 'approve' }).expect(200);
    const res = await server.http(c.seed.key).post(`/api/v1/approvals/${created.id}/steps/${steps[1].id}/reassign`).send({ user_ids: [c.bob.id], quorum: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('quorum: the step already has 1 approval, which meets a quorum of 1; ask for more or approve it instead');
  });
});
