import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { decide, decideStep } from '../../core/approvals/index.ts';
import { configureApprovalSteps } from '../../core/approvals/index.ts';
import { configure, createRequest, snapshot, userAuth } from '../../testing/decisions.ts';
import { allowAdminOverride } from '../../testing/decisions.ts';
import { sessionFor } from '../../testing/session.ts';
import { createSession } from '../users/sessions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function twoOrgsWithSteps() {
  const a = await seedOrg(server.db, 'A');
  const b = await seedOrg(server.db, 'B');
  await allowAdminOverride(server, b.org.id);
  const approver = await b.addUser('approver');
  const created = await createRequest(server, b.key);
  const [step] = await configure(server, b.key, created.id, [approver.id]);
  return { a, b, approver, created, step: step! };
}

describe('steps — tenant isolation (BOLA)', () => {
  it("org A cannot list org B's steps → 404", async () => {
    const { a, created } = await twoOrgsWithSteps();
    const res = await server.http(a.key).get(`/api/v1/approvals/${created.id}/steps`).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'approval request not found' });
  });

  it("org A cannot configure org B's steps → 404, nothing changes", async () => {
    const { a, created } = await twoOrgsWithSteps();
    const own = await a.addUser('approver');
    const before = await snapshot(server, created.id);
    const res = await server.http(a.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: own.id, step_order: 1 }] }).expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it("org A cannot vote on org B's step → 404, nothing changes", async () => {
    const { a, created, step } = await twoOrgsWithSteps();
    const before = await snapshot(server, created.id);
    for (const decision of ['approve', 'reject']) {
      const res = await server.http(a.key).patch(`/api/v1/approvals/${created.id}/steps/${step.id}`).send({ decision }).expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it("org A cannot reach org B's step through its own request → 404", async () => {
    const { a, b, created, step } = await twoOrgsWithSteps();
    const ownRequest = await createRequest(server, a.key);
    const before = await snapshot(server, created.id);
    const res = await server.http(a.key).patch(`/api/v1/approvals/${ownRequest.id}/steps/${step.id}`).send({ decision: 'approve' }).expect(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'step not found' });
    expect(await snapshot(server, created.id)).toEqual(before);
    // And org B still can.
    const voter = await b.newKey();
    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${step.id}`).send({ decision: 'approve' }).expect(200);
  });

  it('an admin of org A acting in org A cannot decide a step of org B', async () => {
    const { a, created, step } = await twoOrgsWithSteps();
    await expect(decideStep(server.db, userAuth(a, a.admin, 'admin'), created.id, step.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});

describe('steps — scopes', () => {
  it('an approvals:read key can list steps but not configure or vote → 403 INSUFFICIENT_SCOPE', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const u = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const [step] = await configure(server, seed.key, created.id, [u.id]);
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const before = await snapshot(server, created.id);

    await server.http(reader.key).get(`/api/v1/approvals/${created.id}/steps`).expect(200);
    const post = await server.http(reader.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: u.id, step_order: 1 }] }).expect(403);
    expect(post.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', message: 'this credential lacks the approvals:write scope' });
    const patch = await server.http(reader.key).patch(`/api/v1/approvals/${created.id}/steps/${step!.id}`).send({ decision: 'approve' }).expect(403);
    expect(patch.body.error.code).toBe('INSUFFICIENT_SCOPE');
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('a comments:write-only key cannot even list steps', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const created = await createRequest(server, seed.key);
    const commenter = await seed.newKey({ scopes: ['comments:write'] });
    const res = await server.http(commenter.key).get(`/api/v1/approvals/${created.id}/steps`).expect(403);
    expect(res.body.error).toMatchObject({ code: 'INSUFFICIENT_SCOPE', message: 'this credential lacks the approvals:read scope' });
  });

  it.each([
    ['GET', 'get'],
    ['POST', 'post'],
  ] as const)('%s …/steps without a key → 401', async (_name, method) => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const created = await createRequest(server, seed.key);
    const res = await server.http()[method](`/api/v1/approvals/${created.id}/steps`).send({}).expect(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('steps — who may decide', () => {
  it('a person who is not the approver of a step → 403 NOT_APPROVER, nothing written', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [holder, outsider] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key);
    const [step] = await configure(server, seed.key, created.id, [holder.id]);
    const before = await snapshot(server, created.id);

    await expect(decideStep(server.db, userAuth(seed, outsider, 'approver'), created.id, step!.id, { decision: 'approve' })).rejects.toMatchObject({
      code: 'NOT_APPROVER',
      status: 403,
      message: 'you are not asked to decide this step: neither named nor in a team it names',
      details: { reason: 'not_asked' },
    });
    await expect(decide(server.db, userAuth(seed, outsider, 'approver'), created.id, { decision: 'reject' }).then((d) => d.approval)).rejects.toMatchObject({
      code: 'NOT_APPROVER',
      message: 'you are not asked to decide any pending step of this request: neither named nor in a team it names',
      details: { reason: 'not_asked' },
    });
    expect(await snapshot(server, created.id)).toEqual(before);
  });

  it('a person may not configure steps of a request they did not create unless admin → 403 FORBIDDEN', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [holder, approver] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key);
    const before = await snapshot(server, created.id);
    // An approver could otherwise route the request to themselves. The route table's ownership rule
    // refuses it, in the router: so the call goes through HTTP, as the approver signed in.
    const asApprover = sessionFor(server, approver, await createSession(server.db, approver.id, seed.org.id));
    const refused = await asApprover.http().post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: approver.id, step_order: 1 }] });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(await snapshot(server, created.id)).toEqual(before);

    const steps = await configureApprovalSteps(server.db, userAuth(seed, seed.admin, 'admin'), created.id, [{ approver_id: holder.id, step_order: 1, quorum: 1 }]);
    expect(steps).toMatchObject([{ approver_id: holder.id, status: 'pending' }]);
  });

  it('a step vote body cannot set decided_by or status', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const u = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const [step] = await configure(server, seed.key, created.id, [u.id]);
    const voter = await seed.newKey();
    const before = await snapshot(server, created.id);
    const res = await server
      .http(voter.key)
      .patch(`/api/v1/approvals/${created.id}/steps/${step!.id}`)
      .send({ decision: 'approve', decided_by: u.id, approver_id: voter.connectionId })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'unknown fields: decided_by, approver_id' });
    expect(await snapshot(server, created.id)).toEqual(before);
  });
});
