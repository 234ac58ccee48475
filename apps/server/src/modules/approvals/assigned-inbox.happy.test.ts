import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn } from '../../testing/session.ts';
import { createRequest } from '../../testing/decisions.ts';
import { listWithBound } from '../../testing/list-approvals.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function withSteps(seed: SeededOrg, steps: Record<string, unknown>[], overrides: Record<string, unknown> = {}) {
  const created = await createRequest(server, seed.key, overrides);
  await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps }).expect(201);
  return created.id;
}

describe('the reviewer\'s inbox: GET /approvals?assigned=', () => {
  it('me / my_teams / all list exactly what waits for the caller, and a vote takes a request out of "me"', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [ann, bob] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const team = (await admin.http().post('/api/v1/teams').send({ name: 'Payments', member_ids: [bob.id] }).expect(201)).body;
    const plain = (await createRequest(server, seed.key, { required_approvals: 2 })).id;
    const forAnn = await withSteps(seed, [{ approver_id: ann.id, step_order: 1 }]);
    const forTeam = await withSteps(seed, [{ team_id: team.id, step_order: 1 }]);
    const bobThenAnn = await withSteps(seed, [{ approver_id: bob.id, step_order: 1 }, { approver_id: ann.id, step_order: 2 }], { is_sequential: true });
    const decided = await withSteps(seed, [{ approver_id: ann.id, step_order: 1 }]);
    await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${decided}`).send({ decision: 'reject' }).expect(200);

    const list = async (who: { id: string; email: string }, assigned: string) => {
      const res = await (await sessionOf(server, seed, who)).http().get(`/api/v1/approvals?assigned=${assigned}&page_size=100`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.pagination.total).toBe(res.body.data.length);
      return (res.body.data as { id: string }[]).map((a) => a.id).sort();
    };
    expect(await list(ann, 'me')).toEqual([plain, forAnn].sort());
    expect(await list(bob, 'me')).toEqual([plain, forTeam, bobThenAnn].sort());
    expect(await list(bob, 'my_teams')).toEqual([forTeam]);
    expect(await list(ann, 'my_teams')).toEqual([]);
    expect(await list(ann, 'all')).toEqual([plain, forAnn, forTeam, bobThenAnn, decided].sort());

    // Ann votes on the plain request (it needs two): it no longer waits for her, still for Bob.
    await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${plain}`).send({ decision: 'approve' }).expect(200);
    expect(await list(ann, 'me')).toEqual([forAnn]);
    expect(await list(bob, 'me')).toContain(plain);
    // Bob approves step 1 of the sequential one: now it waits for Ann, not Bob.
    await (await sessionOf(server, seed, bob)).http().patch(`/api/v1/approvals/${bobThenAnn}`).send({ decision: 'approve' }).expect(200);
    expect(await list(ann, 'me')).toEqual([forAnn, bobThenAnn].sort());
    expect(await list(bob, 'me')).not.toContain(bobThenAnn);
    // Combined with other filters and pages.
    const paged = await (await sessionOf(server, seed, ann)).http().get('/api/v1/approvals?assigned=me&page_size=1').expect(200);
    expect(paged.body.data).toHaveLength(1);
    const next = await (await sessionOf(server, seed, ann)).http().get(`/api/v1/approvals?assigned=me&page_size=1&page_token=${paged.body.next_page_token}`).expect(200);
    expect([paged.body.data[0].id, next.body.data[0].id].sort()).toEqual([forAnn, bobThenAnn].sort());
  });

  it('a viewer is never asked; the requester is not asked for their own request', async () => {
    const seed = await seedOrg(server.db);
    const viewer = await signedIn(server, seed, 'viewer');
    await createRequest(server, seed.key);
    expect((await viewer.http().get('/api/v1/approvals?assigned=me').expect(200)).body.data).toEqual([]);
    const ann = await signedIn(server, seed, 'approver');
    const own = (await ann.http().post('/api/v1/approvals').send(approvalBody({ title: 'mine' })).expect(201)).body;
    const ids = (await ann.http().get('/api/v1/approvals?assigned=me').expect(200)).body.data.map((a: { id: string }) => a.id);
    expect(ids).not.toContain(own.id);
  });

  it('refuses assigned for an API key (not a person) and unknown values, with the reason', async () => {
    const seed = await seedOrg(server.db);
    const key = await server.http(seed.key).get('/api/v1/approvals?assigned=me');
    expect(key.status).toBe(400);
    expect(key.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'assigned=me lists what waits for a person: sign in, or use an OAuth grant acting for one' });
    const bad = await server.http(seed.key).get('/api/v1/approvals?assigned=everyone');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('assigned');
    expect((await server.http(seed.key).get('/api/v1/approvals?assigned=all').expect(200)).body.data).toEqual([]);
  });
});

describe('counters of a request with steps', () => {
  it('after step 1 of 2 is approved: current_approvals 1 of required_approvals 2, still pending (explicit steps and a flow run)', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [ann, bob] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const explicit = await withSteps(seed, [{ approver_id: ann.id, step_order: 1 }, { approver_id: bob.id, step_order: 2 }], { is_sequential: true });
    const flow = (await admin.http().post('/api/v1/flows').send({ name: 'Two steps', steps: [{ approvers: { user_ids: [ann.id] } }, { approvers: { user_ids: [bob.id] } }] }).expect(201)).body;
    const run = (await createRequest(server, seed.key, { flow_id: flow.id })).id;
    for (const id of [explicit, run]) {
      expect((await admin.http().get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ current_approvals: 0, required_approvals: 2 });
      await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
      const detail = (await admin.http().get(`/api/v1/approvals/${id}`).expect(200)).body;
      expect(detail).toMatchObject({ status: 'pending', current_approvals: 1, required_approvals: 2 });
      expect(detail.run).toMatchObject({ active_step: 2, steps: [{ status: 'approved' }, { status: 'pending' }] });
      const listed = (await admin.http().get('/api/v1/approvals?status=pending&page_size=100').expect(200)).body.data.find((a: { id: string }) => a.id === id);
      expect(listed).toMatchObject({ current_approvals: 1, required_approvals: 2 });
      await (await sessionOf(server, seed, bob)).http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
      expect((await admin.http().get(`/api/v1/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'approved', current_approvals: 2, required_approvals: 2 });
    }
  });
});

describe('a long inbox', () => {
  it('is counted only up to the exact bound (each match is judged by the rule), and its pages walk every request once, newest first', async () => {
    const seed = await seedOrg(server.db);
    const ann = await seed.addUser('approver');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createRequest(server, seed.key)).id);
    // Counting up to 3 of them chooses no more than counting up to 3 would: the rest is the walk's.
    const options = { countToChooseUpTo: 50, user: { ...ann, role: 'approver' as const } };
    const first = await listWithBound(server, seed, 3, 'assigned=me&page_size=2', options);
    expect(first.pagination).toMatchObject({ total_exact: false });
    expect(first.pagination.total).toBeGreaterThan(3);
    const seen = first.data.map((a) => a.id);
    for (let token = first.next_page_token; token; ) {
      const next = await listWithBound(server, seed, 3, `assigned=me&page_size=2&page_token=${token}`, options);
      seen.push(...next.data.map((a) => a.id));
      token = next.next_page_token;
    }
    expect(seen).toEqual([...ids].reverse());
    // A list that is not judged by the rule still counts to the choosing bound: exact at 7.
    expect((await listWithBound(server, seed, 3, 'status=pending&priority=medium,high,low,critical&page_size=2', options)).pagination).toMatchObject({ total: 7, total_exact: true });
  });
});
