import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { setEmergencyStop } from '../orgs/create-org.ts';
import { decide, decideStep } from '../../core/approvals/index.ts';
import { configure, createRequest, snapshot, userAuth } from '../../testing/decisions.ts';
import { allowAdminOverride } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('POST /api/v1/approvals/:id/steps — malformed bodies', () => {
  it.each([
    ['missing steps', {}, 'steps is required'],
    ['steps not an array', { steps: 'manager' }, 'steps: Invalid input: expected array, received string'],
    ['no steps', { steps: [] }, 'steps: Too small: expected array to have >=1 items'],
    ['21 steps', { steps: Array.from({ length: 21 }, (_, i) => ({ approver_id: UNKNOWN, step_order: i + 1 })) }, 'steps: Too big: expected array to have <=20 items'],
    ['approver_id not a uuid', { steps: [{ approver_id: 'user-uuid-1', step_order: 1 }] }, 'steps.0.approver_id: Invalid UUID'],
    ['missing approver_id', { steps: [{ step_order: 1 }] }, 'steps.0.approver_id is required'],
    ['step_order 0', { steps: [{ approver_id: UNKNOWN, step_order: 0 }] }, 'steps.0.step_order: Too small: expected number to be >=1'],
    ['fractional step_order', { steps: [{ approver_id: UNKNOWN, step_order: 1.5 }] }, 'steps.0.step_order: Invalid input: expected int, received number'],
    ['step_order as a string', { steps: [{ approver_id: UNKNOWN, step_order: '1' }] }, 'steps.0.step_order: Invalid input: expected number, received string'],
    [
      'duplicate step_order',
      { steps: [{ approver_id: UNKNOWN, step_order: 1 }, { approver_id: UNKNOWN, step_order: 1 }] },
      'steps.1.step_order: step_order 1 is used twice',
    ],
    ['an unknown field in a step', { steps: [{ approver_id: UNKNOWN, step_order: 1, status: 'approved' }] }, 'unknown field: status'],
    ['an unknown top-level field', { steps: [{ approver_id: UNKNOWN, step_order: 1 }], is_sequential: true }, 'unknown field: is_sequential'],
  ])('%s → 400 VALIDATION_ERROR', async (_name, body, message) => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const created = await createRequest(server, seed.key);
    const before = await snapshot(server, created.id);
    const res = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send(body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
    expect(await snapshot(server, created.id)).toEqual(before);
  });
});

describe('POST /api/v1/approvals/:id/steps — approvers must be members', () => {
  it.each([
    ['an unknown user id', async () => UNKNOWN, 'not a member of this organization'],
    ['a user of another org', async () => (await (await seedOrg(server.db, 'Other')).addUser('admin')).id, 'not a member of this organization'],
    ['a viewer', async (seed: Awaited<ReturnType<typeof seedOrg>>) => (await seed.addUser('viewer')).id, 'a viewer and cannot approve'],
  ])('%s → 400 naming the id, nothing written', async (_name, pick, reason) => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const member = await seed.addUser('approver');
    const bad = await pick(seed);
    const created = await createRequest(server, seed.key);
    const before = await snapshot(server, created.id);
    const res = await server
      .http(seed.key)
      .post(`/api/v1/approvals/${created.id}/steps`)
      .send({ steps: [{ approver_id: member.id, step_order: 1 }, { approver_id: bad, step_order: 2 }] })
      .expect(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: `steps.1.approver_id: approver_id ${bad} is ${reason}`,
      details: { location: 'body', issues: [{ path: 'steps.1.approver_id' }] },
    });
    expect(await snapshot(server, created.id)).toEqual(before);
  });
});

describe('POST /api/v1/approvals/:id/steps — state', () => {
  it('after a step vote → 409 STEPS_LOCKED and the steps stay as they were', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, created.id, [a.id, b.id]);
    const voter = await seed.newKey();
    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve' }).expect(200);
    const before = await snapshot(server, created.id);

    const res = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: b.id, step_order: 1 }] }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'STEPS_LOCKED', message: 'steps cannot be changed once a vote has been cast' });
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('after a vote on a request without steps → 409 STEPS_LOCKED', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key, { required_approvals: 2 });
    const voter = await seed.newKey();
    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    const res = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: a.id, step_order: 1 }] }).expect(409);
    expect(res.body.error.code).toBe('STEPS_LOCKED');
  });

  it.each(['approved', 'rejected', 'cancelled'] as const)('on an %s request → 409 INVALID_STATUS', async (status) => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const other = await seed.newKey();
    if (status === 'cancelled') await server.http(seed.key).delete(`/api/v1/approvals/${created.id}`).expect(200);
    else await server.http(other.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: status === 'approved' ? 'approve' : 'reject' }).expect(200);

    const res = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: a.id, step_order: 1 }] }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: `approval request is already ${status}` });
  });

  it('under the emergency stop → 503, nothing written', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    await setEmergencyStop(server.db, seed.org.id, true);
    const before = await snapshot(server, created.id);
    const res = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: a.id, step_order: 1 }] }).expect(503);
    expect(res.body.error.code).toBe('EMERGENCY_STOP');
    expect(await snapshot(server, created.id)).toEqual(before);
  });
});

describe('PATCH /api/v1/approvals/:id/steps/:stepId — malformed requests', () => {
  it.each([
    ['missing decision', { comment: 'LGTM' }, 'decision is required'],
    ['unknown decision value', { decision: 'approved' }, 'decision: Invalid option: expected one of "approve"|"reject"'],
    ['comment of the wrong type', { decision: 'approve', comment: { text: 'LGTM' } }, 'comment: Invalid input: expected string, received object'],
    ['source is not a step field', { decision: 'approve', source: 'dashboard' }, 'unknown field: source'],
    ['status smuggled in', { decision: 'approve', status: 'approved' }, 'unknown field: status'],
  ])('%s → 400 VALIDATION_ERROR', async (_name, body, message) => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, created.id, [a.id]);
    const voter = await seed.newKey();
    const before = await snapshot(server, created.id);
    const res = await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send(body).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message });
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it.each([
    ['a malformed request id', 'not-a-uuid', 'step'],
    ['a malformed step id', 'request', 'step-uuid-1'],
    ['an unknown request id', UNKNOWN, 'step'],
  ])('%s → 404 NOT_FOUND', async (_name, id, stepId) => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, created.id, [a.id]);
    const path = `/api/v1/approvals/${id === 'request' ? created.id : id}/steps/${stepId === 'step' ? s1!.id : stepId}`;
    const res = await server.http(seed.key).patch(path).send({ decision: 'reject' }).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['GET', 'get', 'not-a-uuid'],
    ['POST', 'post', 'a1b2c3d4-...'],
  ] as const)('%s …/steps with a malformed id → 404', async (_name, method, id) => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const res = await server.http(seed.key)[method](`/api/v1/approvals/${id}/steps`).send({ steps: [{ approver_id: UNKNOWN, step_order: 1 }] }).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('PATCH /api/v1/approvals/:id/steps/:stepId — rules', () => {
  it('sequential: step 2 before step 1 → 409 STEP_OUT_OF_ORDER; then 1 and 2 approve it', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: true });
    const [s1, s2] = await configure(server, seed.key, created.id, [a.id, b.id]);
    const voter = await seed.newKey();
    const before = await snapshot(server, created.id);

    const early = await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s2!.id}`).send({ decision: 'approve' }).expect(409);
    expect(early.body.error).toMatchObject({
      code: 'STEP_OUT_OF_ORDER',
      message: 'step 2 cannot be decided before step 1',
      details: { next_step_id: s1!.id, next_step_order: 1 },
    });
    // Rejecting out of order is refused too: in a sequential chain step 2 has not been reached.
    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s2!.id}`).send({ decision: 'reject' }).expect(409);
    expect(await snapshot(server, created.id)).toEqual(before);

    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve' }).expect(200);
    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s2!.id}`).send({ decision: 'approve' }).expect(200);
    const res = await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200);
    expect(res.body).toMatchObject({ status: 'approved', current_approvals: 2 });
  });

  it('sequential via PATCH /approvals/:id: a person holding only step 2 → 409 STEP_OUT_OF_ORDER', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: true });
    await configure(server, seed.key, created.id, [a.id, b.id]);
    await expect(decide(server.db, userAuth(seed, b, 'approver'), created.id, { decision: 'approve' }).then((d) => d.approval)).rejects.toMatchObject({
      code: 'STEP_OUT_OF_ORDER',
      message: 'step 2 cannot be decided before step 1',
    });
  });

  it('a step of another request of the same org → 404 "step not found"', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const one = await createRequest(server, seed.key);
    const two = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, one.id, [a.id]);
    const before = await snapshot(server, one.id);
    const res = await server.http(seed.key).patch(`/api/v1/approvals/${two.id}/steps/${s1!.id}`).send({ decision: 'reject' }).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'step not found' });
    expect(await snapshot(server, one.id)).toEqual(before);
  });

  it('a step already decided → 409 INVALID_STATUS', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, created.id, [a.id, b.id]);
    const [v1, v2] = [await seed.newKey(), await seed.newKey()];
    await server.http(v1.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve' }).expect(200);
    const before = await snapshot(server, created.id);
    const res = await server.http(v2.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'reject' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'step is already approved' });
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('the requester approving a step of its own request → 403 SELF_APPROVAL_FORBIDDEN', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, created.id, [a.id]);
    const viaStep = await server.http(seed.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve' }).expect(403);
    expect(viaStep.body.error).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN', message: 'the principal that created this request cannot approve it' });
    const viaRequest = await server.http(seed.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(403);
    expect(viaRequest.body.error.code).toBe('SELF_APPROVAL_FORBIDDEN');
  });

  it('a request without steps has no step to vote on → 404', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const created = await createRequest(server, seed.key);
    const res = await server.http(seed.key).patch(`/api/v1/approvals/${created.id}/steps/${UNKNOWN}`).send({ decision: 'approve' }).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'step not found' });
  });

  it('past expires_at → 409 APPROVAL_EXPIRED, before the sweeper has run', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key, { expires_at: new Date(Date.now() + 1_000).toISOString() });
    const [s1] = await configure(server, seed.key, created.id, [a.id]);
    const voter = await seed.newKey();
    await sleep(1_100);
    const before = await snapshot(server, created.id);
    const res = await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve' }).expect(409);
    expect(res.body.error).toMatchObject({ code: 'APPROVAL_EXPIRED', message: 'approval request has expired and can no longer be decided' });
    const reconfigure = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: a.id, step_order: 1 }] }).expect(409);
    expect(reconfigure.body.error.code).toBe('APPROVAL_EXPIRED');
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('under the emergency stop → 503, nothing written (also when pressed after authentication)', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, created.id, [a.id]);
    const voter = await seed.newKey();
    await setEmergencyStop(server.db, seed.org.id, true);
    const before = await snapshot(server, created.id);

    const res = await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve' }).expect(503);
    expect(res.body.error.code).toBe('EMERGENCY_STOP');
    // userAuth carries emergency_stop: false, as an auth context read just before the stop would.
    await expect(decideStep(server.db, userAuth(seed, a, 'approver'), created.id, s1!.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'EMERGENCY_STOP',
    });
    expect(await snapshot(server, created.id)).toEqual(before);
  });
});
