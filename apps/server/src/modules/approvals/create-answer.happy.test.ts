import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('the create answer says what GET says', () => {
  it('a request without steps: its run is null and it has no results, as GET shows', async () => {
    const seed = await seedOrg(server.db);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    expect(created.body).toMatchObject({ status: 'pending', run: null, results: [] });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200)).body).toEqual(created.body);
  });

  it("a flow's run: the answer carries the run, its steps and the active one, exactly as GET does", async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [lead, manager] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const flow = (
      await admin
        .http()
        .post('/api/v1/flows')
        .send({ name: 'Two steps', steps: [{ name: 'Lead', approvers: { user_ids: [lead.id] } }, { name: 'Manager', approvers: { user_ids: [manager.id] }, time_limit_seconds: 600 }] })
        .expect(201)
    ).body;
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ flow_id: flow.id })).expect(201);
    expect(created.body.run).toMatchObject({ flow_id: flow.id, flow_version: 1, status: 'pending', active_step: 1 });
    expect(created.body.run.steps.map((s: { name: string; status: string; time_limit_seconds: number | null }) => [s.name, s.status, s.time_limit_seconds])).toEqual([
      ['Lead', 'pending', null],
      ['Manager', 'pending', 600],
    ]);
    expect(created.body.results).toEqual([]);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created.body.id}`).expect(200)).body).toEqual(created.body);
  });

  it('a replay of the idempotency key answers the request as it is now, with the run its steps made since', async () => {
    const seed = await seedOrg(server.db);
    const ann = await seed.addUser('approver');
    const body = approvalBody({ idempotency_key: `create-answer-${Date.now()}` });
    const first = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(201);
    expect(first.body.run).toBeNull();
    await server.http(seed.key).post(`/api/v1/approvals/${first.body.id}/steps`).send({ steps: [{ approver_id: ann.id, step_order: 1 }] }).expect(201);
    const again = await server.http(seed.key).post('/api/v1/approvals').send(body).expect(200);
    expect(again.body.run).toMatchObject({ active_step: 1, steps: [{ step_order: 1, status: 'pending', approvers: [{ id: ann.id }] }] });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${first.body.id}`).expect(200)).body).toEqual(again.body);
  });
});
