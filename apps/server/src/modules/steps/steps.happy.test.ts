import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { approvalRow, configure, createRequest, eventsOf, userAuth, votesOf } from '../../testing/decisions.ts';
import { allowAdminOverride } from '../../testing/decisions.ts';
import { decide, decideStep } from '../../core/approvals/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('the spec examples, sent as written', () => {
  it('POST, GET and PATCH /api/v1/approvals/:id/steps', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const manager = await seed.addUser('approver');
    const legal = await seed.addUser('approver');
    const created = await createRequest(server, seed.key, { is_sequential: true });

    const configured = await server
      .http(seed.key)
      .post(`/api/v1/approvals/${created.id}/steps`)
      .send({
        steps: [
          { approver_id: manager.id, step_order: 1 },
          { approver_id: legal.id, step_order: 2 },
        ],
      })
      .expect(201);
    expect(configured.body.data).toHaveLength(2);
    expect(configured.body.data).toMatchObject([
      { step_order: 1, approver_id: manager.id, status: 'pending', approval_request_id: created.id, decided_at: null, decided_by: null },
      { step_order: 2, approver_id: legal.id, status: 'pending', approval_request_id: created.id, decided_at: null, decided_by: null },
    ]);
    const [step1, step2] = configured.body.data as { id: string }[];
    expect(step1!.id).not.toBe(step2!.id);

    const voter = await seed.newKey();
    const voted = await server
      .http(voter.key)
      .patch(`/api/v1/approvals/${created.id}/steps/${step1!.id}`)
      .send({ decision: 'approve', comment: 'LGTM' })
      .expect(200);
    expect(voted.body).toMatchObject({ id: step1!.id, status: 'approved', decided_by: voter.connectionId, comment: 'LGTM' });
    expect(Date.parse(voted.body.decided_at)).not.toBeNaN();

    const listed = await server.http(seed.key).get(`/api/v1/approvals/${created.id}/steps`).expect(200);
    expect(listed.body).toEqual({
      data: [
        {
          id: step1!.id,
          approval_request_id: created.id,
          step_order: 1,
          approver_id: manager.id,
          approvers: [{ type: 'user', id: manager.id, name: manager.email }],
          quorum: 1,
          status: 'approved',
          decided_at: voted.body.decided_at,
          decided_by: voter.connectionId,
          comment: 'LGTM',
        },
        {
          id: step2!.id,
          approval_request_id: created.id,
          step_order: 2,
          approver_id: legal.id,
          approvers: [{ type: 'user', id: legal.id, name: legal.email }],
          quorum: 1,
          status: 'pending',
          decided_at: null,
          decided_by: null,
          comment: null,
        },
      ],
    });
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'pending', current_approvals: 1 });
  });

  it('GET on a request without steps → empty list', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const created = await createRequest(server, seed.key);
    const res = await server.http(seed.key).get(`/api/v1/approvals/${created.id}/steps`).expect(200);
    expect(res.body).toEqual({ data: [] });
  });
});

describe('configuring steps', () => {
  it('answers and lists steps ordered by step_order whatever the order sent', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [u1, u2, u3] = [await seed.addUser('approver'), await seed.addUser('admin'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key);
    const res = await server
      .http(seed.key)
      .post(`/api/v1/approvals/${created.id}/steps`)
      .send({
        steps: [
          { approver_id: u3.id, step_order: 30 },
          { approver_id: u1.id, step_order: 10 },
          { approver_id: u2.id, step_order: 20 },
        ],
      })
      .expect(201);
    expect(res.body.data.map((s: { step_order: number; approver_id: string }) => [s.step_order, s.approver_id])).toEqual([
      [10, u1.id],
      [20, u2.id],
      [30, u3.id],
    ]);
    const listed = await server.http(seed.key).get(`/api/v1/approvals/${created.id}/steps`).expect(200);
    expect(listed.body.data).toEqual(res.body.data);
  });

  it('replaces the previous configuration and records steps.configured each time', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b, c] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: true });
    const first = await configure(server, seed.key, created.id, [a.id, b.id]);
    const second = await configure(server, seed.key, created.id, [c.id]);

    expect(second).toHaveLength(1);
    const listed = await server.http(seed.key).get(`/api/v1/approvals/${created.id}/steps`).expect(200);
    expect(listed.body.data).toEqual(second);
    expect(listed.body.data[0].id).not.toBe(first[0]!.id);

    const events = (await eventsOf(server, created.id)).filter((e) => e.type === 'steps.configured');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      actor_type: 'connection',
      actor_id: seed.connectionId,
      data: { is_sequential: true, replaced_steps: 0, steps: first.map((s) => ({ id: s.id, step_order: s.step_order, approver_id: s.approver_id })) },
    });
    expect(events[1]!.data).toMatchObject({ replaced_steps: 2, steps: [{ id: second[0]!.id, step_order: 1, approver_id: c.id }] });
  });

  it('the same person may hold several steps', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const steps = await configure(server, seed.key, created.id, [a.id, a.id]);
    expect(steps.map((s) => s.approver_id)).toEqual([a.id, a.id]);
  });
});

describe('voting on steps', () => {
  it('sequential: step 1 then step 2 approves the request, with one step.decided per vote', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [manager, legal] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: true });
    const [s1, s2] = await configure(server, seed.key, created.id, [manager.id, legal.id]);
    const voter = await seed.newKey();

    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve', comment: 'manager ok' }).expect(200);
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'pending', current_approvals: 1 });
    const last = await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s2!.id}`).send({ decision: 'approve' }).expect(200);
    expect(last.body).toMatchObject({ id: s2!.id, status: 'approved', decided_by: voter.connectionId, comment: null });

    const row = await approvalRow(server, created.id);
    expect(row).toMatchObject({ status: 'approved', current_approvals: 2, decided_by: voter.connectionId });
    expect(row.decided_at).not.toBeNull();

    const events = await eventsOf(server, created.id);
    expect(events.map((e) => e.type)).toEqual(['approval.created', 'steps.configured', 'step.decided', 'step.decided', 'approval.approved']);
    const approved_content_sha256 = (await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body.approved_content_sha256;
    // An API key decides steps here through the org's admin override, which each step event records.
    expect(events[2]!.data).toEqual({ step_id: s1!.id, step_order: 1, decision: 'approve', comment: 'manager ok', source: null, approved_content_sha256, admin_override: true });
    expect(events[3]!.data).toEqual({ step_id: s2!.id, step_order: 2, decision: 'approve', comment: null, source: null, approved_content_sha256, admin_override: true });
    expect(events[4]).toMatchObject({ from_status: 'pending', to_status: 'approved', data: { current_approvals: 2 } });

    expect((await votesOf(server, created.id)).map((v) => [v.step_order, v.voter_id, v.decision])).toEqual([
      [1, voter.connectionId, 'approve'],
      [2, voter.connectionId, 'approve'],
    ]);
  });

  it('parallel: steps can be approved in any order', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const users = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: false });
    const [s1, s2, s3] = await configure(server, seed.key, created.id, users.map((u) => u.id));
    const voter = await seed.newKey();

    for (const step of [s3!, s1!]) {
      await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${step.id}`).send({ decision: 'approve' }).expect(200);
      expect(await approvalRow(server, created.id)).toMatchObject({ status: 'pending' });
    }
    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s2!.id}`).send({ decision: 'approve' }).expect(200);
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'approved', current_approvals: 3 });
  });

  it('a rejected step rejects the request at once and skips the later steps', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const users = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: true });
    const [s1, s2, s3] = await configure(server, seed.key, created.id, users.map((u) => u.id));
    const voter = await seed.newKey();

    await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve' }).expect(200);
    const rejected = await server
      .http(voter.key)
      .patch(`/api/v1/approvals/${created.id}/steps/${s2!.id}`)
      .send({ decision: 'reject', comment: 'legal says no' })
      .expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', comment: 'legal says no' });

    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'rejected', current_approvals: 1, decision_comment: 'legal says no' });
    const listed = await server.http(seed.key).get(`/api/v1/approvals/${created.id}/steps`).expect(200);
    expect(listed.body.data.map((s: { status: string }) => s.status)).toEqual(['approved', 'rejected', 'skipped']);
    const events = await eventsOf(server, created.id);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['step.decided', 'approval.rejected']);

    const late = await server.http(voter.key).patch(`/api/v1/approvals/${created.id}/steps/${s3!.id}`).send({ decision: 'approve' }).expect(409);
    expect(late.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'approval request is already rejected' });
  });

  it('PATCH /approvals/:id votes on the first pending step and answers the whole request', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: true, required_approvals: 5 });
    const [s1, s2] = await configure(server, seed.key, created.id, [a.id, b.id]);
    const voter = await seed.newKey();

    const first = await server.http(voter.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve', comment: 'one' }).expect(200);
    expect(first.body).toMatchObject({ id: created.id, status: 'pending', current_approvals: 1, callback_delivered: false });
    // With steps configured, completion means every step approved; required_approvals no longer applies.
    const second = await server.http(voter.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve', source: 'cli' }).expect(200);
    expect(second.body).toMatchObject({ status: 'approved', current_approvals: 2, decided_by: voter.connectionId });

    const events = await eventsOf(server, created.id);
    expect(events.filter((e) => e.type === 'step.decided').map((e) => e.data.step_id)).toEqual([s1!.id, s2!.id]);
    expect(events.at(-1)).toMatchObject({ type: 'approval.approved', data: { source: 'cli', current_approvals: 2 } });
    expect(events.some((e) => e.type === 'approval.vote_recorded')).toBe(false);
  });

  it('a person votes on their own step; PATCH /approvals/:id picks the step they hold', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: false });
    const [s1, s2] = await configure(server, seed.key, created.id, [a.id, b.id]);

    const viaRequest = await decide(server.db, userAuth(seed, b, 'approver'), created.id, { decision: 'approve' }).then((d) => d.approval);
    expect(viaRequest).toMatchObject({ status: 'pending', current_approvals: 1 });
    const listed = await server.http(seed.key).get(`/api/v1/approvals/${created.id}/steps`).expect(200);
    expect(listed.body.data.map((s: { id: string; status: string; decided_by: string | null }) => [s.id, s.status, s.decided_by])).toEqual([
      [s1!.id, 'pending', null],
      [s2!.id, 'approved', b.id],
    ]);

    const { step } = await decideStep(server.db, userAuth(seed, a, 'approver'), created.id, s1!.id, { decision: 'approve' });
    expect(step).toMatchObject({ id: s1!.id, status: 'approved', decided_by: a.id });
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'approved', decided_by: a.id });
    expect((await votesOf(server, created.id)).map((v) => [v.step_order, v.voter_type, v.voter_id])).toEqual([
      [2, 'user', b.id],
      [1, 'user', a.id],
    ]);
  });

  it('an admin may decide any step', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const a = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, created.id, [a.id]);
    const { step } = await decideStep(server.db, userAuth(seed, seed.admin, 'admin'), created.id, s1!.id, { decision: 'approve' });
    expect(step).toMatchObject({ status: 'approved', decided_by: seed.admin.id });
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'approved' });
  });
});

describe('parallel votes on steps', () => {
  it('10 parallel votes on one step: exactly one wins, one step.decided event', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key);
    const [s1] = await configure(server, seed.key, created.id, [a.id, b.id]);
    const voters = await Promise.all(Array.from({ length: 10 }, () => seed.newKey()));

    const answers = await Promise.all(
      voters.map((v) => server.http(v.key).patch(`/api/v1/approvals/${created.id}/steps/${s1!.id}`).send({ decision: 'approve' })),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = answers.filter((r) => r.status === 409);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'step is already approved' });
    expect((await eventsOf(server, created.id)).filter((e) => e.type === 'step.decided')).toHaveLength(1);
    expect(await votesOf(server, created.id)).toHaveLength(1);
  });

  it('parallel PATCH /approvals/:id on a two-step request: each step decided once, one approval', async () => {
    const seed = await seedOrg(server.db);
    await allowAdminOverride(server, seed.org.id);
    const [a, b] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: true });
    await configure(server, seed.key, created.id, [a.id, b.id]);
    const voters = await Promise.all(Array.from({ length: 10 }, () => seed.newKey()));

    const answers = await Promise.all(voters.map((v) => server.http(v.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' })));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(2);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(8);
    const events = await eventsOf(server, created.id);
    expect(events.filter((e) => e.type === 'step.decided').map((e) => e.data.step_order)).toEqual([1, 2]);
    expect(events.filter((e) => e.type === 'approval.approved')).toHaveLength(1);
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'approved', current_approvals: 2 });
  });
});
