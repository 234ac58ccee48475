/**
 * Who may cancel a request or reassign its steps is one rule (greenlight_manager_refusal): the
 * transitions enforce it themselves, whoever calls them, and refuse with what viewer_can showed
 * beforehand; over HTTP the refusal is the one the API always gave (403 FORBIDDEN, before the status).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { createRequest, snapshot, stepAskingBob, userAuth } from '../../testing/decisions.ts';
import type { ApiError } from '../../errors.ts';
import { cancel, reassignApprovalStep } from './index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const refusalOf = (p: Promise<unknown>) => p.then(() => expect.unreachable('not refused'), (err: ApiError) => ({ code: err.code, message: err.message, details: err.details }));

describe('the transitions enforce who may cancel and reassign, with no router before them', () => {
  it('cancel by an approver who did not request it is refused in the rule’s words; nothing is written', async () => {
    const seed = await seedOrg(server.db);
    const req = await createRequest(server, seed.key);
    const ann = await seed.addUser('approver');
    const before = await snapshot(server, req.id);
    const refused = await refusalOf(cancel(server.db, userAuth(seed, ann, 'approver'), req.id));
    expect(refused).toEqual({
      code: 'FORBIDDEN',
      message: 'only the requester of this request or an admin can do this',
      details: { text: 'Only the requester or an admin can cancel this' },
    });
    expect(await snapshot(server, req.id)).toEqual(before);
    // An admin may.
    const ada = await seed.addUser('admin');
    expect((await cancel(server.db, userAuth(seed, ada, 'admin'), req.id)).status).toBe('cancelled');
  });

  it('reassign by the person the step asks (not its requester) is refused in the rule’s words', async () => {
    const { seed, bob, carl, created } = await stepAskingBob(server);
    const before = await snapshot(server, created.id);
    const refused = await refusalOf(reassignApprovalStep(server.db, userAuth(seed, bob, 'approver'), created.id, created.stepId, { user_ids: [bob.id, carl.id], team_ids: [] }));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', details: { text: 'Only the requester or an admin can reassign its steps' } });
    expect(await snapshot(server, created.id)).toEqual(before);
  });
});

describe('over HTTP, the refusal is the same as viewer_can says, before the request’s status', () => {
  it('another key cancelling: 403 with viewer_can.cancel’s reason; on an already cancelled request, still 403, not 409', async () => {
    const seed = await seedOrg(server.db);
    const req = await createRequest(server, seed.key);
    const other = await seed.newKey();
    const can = (await server.http(other.key).get(`/api/v1/approvals/${req.id}`).expect(200)).body.viewer_can;
    const res = await server.http(other.key).delete(`/api/v1/approvals/${req.id}`).expect(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'only the requester of this request or an admin can do this', details: { text: can.cancel.reason } });

    await server.http(seed.key).delete(`/api/v1/approvals/${req.id}`).expect(200);
    const late = await server.http(other.key).delete(`/api/v1/approvals/${req.id}`).expect(403);
    expect(late.body.error.code).toBe('FORBIDDEN');
    // The requester itself is told the status.
    expect((await server.http(seed.key).delete(`/api/v1/approvals/${req.id}`).expect(409)).body.error.code).toBe('INVALID_STATUS');
  });

  it('an unknown step of someone else’s request is refused as someone else’s (403), an unknown request is 404', async () => {
    const { seed, created } = await stepAskingBob(server);
    const approver = await signedIn(server, seed, 'approver');
    const res = await approver.http().post(`/api/v1/approvals/${created.id}/steps/00000000-0000-4000-8000-000000000000/reassign`).send({ user_ids: [approver.user.id] });
    expect(res.status).toBe(403);
    const missing = await approver.http().post('/api/v1/approvals/00000000-0000-4000-8000-000000000000/steps/00000000-0000-4000-8000-000000000000/reassign').send({ user_ids: [approver.user.id] });
    expect(missing.status).toBe(404);
  });
});
