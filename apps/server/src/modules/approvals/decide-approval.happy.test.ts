import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { approvalRow, createRequest, eventsOf, votesOf } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('PATCH /api/v1/approvals/:id', () => {
  it('accepts the spec example body as written and answers the documented shape', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const approver = await seed.newKey({ name: 'dashboard' });

    const res = await server
      .http(approver.key)
      .patch(`/api/v1/approvals/${created.id}`)
      .send({
        decision: 'approve',
        comment: 'Verified with the user. Proceeding with deletion.',
        source: 'dashboard',
      })
      .expect(200);

    expect(res.body).toMatchObject({
      id: created.id,
      status: 'approved',
      decided_by: approver.connectionId,
      decision_comment: 'Verified with the user. Proceeding with deletion.',
      current_approvals: 1,
      required_approvals: 1,
      callback_delivered: false,
    });
    expect(Date.parse(res.body.decided_at)).toBeGreaterThan(Date.parse(res.body.created_at) - 1);
    expect(res.body.updated_at).toBe(res.body.decided_at);

    const events = await eventsOf(server, created.id);
    expect(events.map((e) => e.type)).toEqual(['approval.created', 'approval.approved']);
    expect(events[1]).toMatchObject({
      actor_type: 'connection',
      actor_id: approver.connectionId,
      from_status: 'pending',
      to_status: 'approved',
      data: { decision: 'approve', comment: 'Verified with the user. Proceeding with deletion.', source: 'dashboard', current_approvals: 1 },
    });
    expect(await votesOf(server, created.id)).toEqual([
      { step_order: 0, voter_type: 'connection', voter_id: approver.connectionId, decision: 'approve', comment: 'Verified with the user. Proceeding with deletion.' },
    ]);
  });

  it('the decision is what GET answers afterwards, and what the row holds', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const approver = await seed.newKey();
    const decided = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    const got = await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200);
    const { callback_delivered: _delivered, viewer_can: deciderCan, ...approval } = decided.body;
    // The decider approved it, so may revoke it but for the missing window; the requester did not vote.
    expect(deciderCan.revoke).toEqual({ allowed: false, reason: 'Created without a revoke window' });
    // GET by id also shows the run (none: no steps) and the reviewer's result.
    const { run, results, viewer_can: requesterCan, ...rest } = got.body;
    expect(requesterCan.revoke).toEqual({ allowed: false, reason: 'Only an approver who approved this, or an admin, can revoke it' });
    expect(rest).toEqual(approval);
    expect(run).toBeNull();
    expect(results).toEqual([expect.objectContaining({ result: 'approved', reviewer: expect.objectContaining({ id: approver.connectionId }) })]);
    const row = await approvalRow(server, created.id);
    expect(row).toMatchObject({ status: 'approved', current_approvals: 1, decided_by: approver.connectionId, decision_comment: null });
    expect(row.decided_at?.toISOString()).toBe(decided.body.decided_at);
  });

  it('a rejection by the first of several required approvers rejects at once', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, { required_approvals: 3 });
    const first = await seed.newKey();
    const second = await seed.newKey();

    const approved = await server.http(first.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    expect(approved.body).toMatchObject({ status: 'pending', current_approvals: 1, decided_at: null, decided_by: null });

    const rejected = await server
      .http(second.key)
      .patch(`/api/v1/approvals/${created.id}`)
      .send({ decision: 'reject', comment: 'Not without legal', source: 'ops-bot' })
      .expect(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      current_approvals: 1,
      decided_by: second.connectionId,
      decision_comment: 'Not without legal',
      callback_delivered: false,
    });
    expect(rejected.body.decided_at).not.toBeNull();

    const events = await eventsOf(server, created.id);
    expect(events.map((e) => [e.type, e.from_status, e.to_status])).toEqual([
      ['approval.created', null, 'pending'],
      ['approval.vote_recorded', null, null],
      ['approval.rejected', 'pending', 'rejected'],
    ]);
    const approved_content_sha256 = (await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body.approved_content_sha256;
    expect(events[1]!.data).toEqual({ decision: 'approve', comment: null, source: null, current_approvals: 1, approved_content_sha256 });
    expect(events[2]!.data).toEqual({ decision: 'reject', comment: 'Not without legal', source: 'ops-bot', current_approvals: 1, approved_content_sha256 });

    // Decided means decided: a third approver cannot revive it.
    const third = await seed.newKey();
    const late = await server.http(third.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(409);
    expect(late.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'approval request is already rejected' });
  });

  it('counts distinct approvers until required_approvals, then approves', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, { required_approvals: 2 });
    const a = await seed.newKey();
    const b = await seed.newKey();

    const one = await server.http(a.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve', comment: 'ok by me' }).expect(200);
    expect(one.body).toMatchObject({ status: 'pending', current_approvals: 1, decided_at: null, callback_delivered: false });

    const two = await server.http(b.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    expect(two.body).toMatchObject({ status: 'approved', current_approvals: 2, decided_by: b.connectionId });

    const events = await eventsOf(server, created.id);
    expect(events.map((e) => e.type)).toEqual(['approval.created', 'approval.vote_recorded', 'approval.approved']);
    expect(events[1]).toMatchObject({ actor_id: a.connectionId, data: { decision: 'approve', comment: 'ok by me', current_approvals: 1 } });
    expect(events[2]).toMatchObject({ actor_id: b.connectionId, data: { current_approvals: 2, source: null } });
  });

  it('lets the requester reject its own request', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const res = await server.http(seed.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'reject', comment: 'withdrawn' }).expect(200);
    expect(res.body).toMatchObject({ status: 'rejected', decided_by: seed.connectionId, decision_comment: 'withdrawn' });
  });

  it('decides just before expires_at', async () => {
    const seed = await seedOrg(server.db);
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const created = await createRequest(server, seed.key, { expires_at: expiresAt });
    const approver = await seed.newKey();
    const res = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    expect(res.body).toMatchObject({ status: 'approved', expires_at: expiresAt });
  });
});
