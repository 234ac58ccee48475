import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { statementsDuring, transactionStepsDuring } from '../../testing/statements.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

/** The prepared statements the server sends while `work` runs. */
async function namesDuring(work: () => Promise<unknown>): Promise<string[]> {
  const { steps } = await statementsDuring(server.db, work);
  return steps.filter((s) => s.step === 'issued').map((s) => s.prepare ?? s.text.slice(0, 40));
}

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
    let created: { body: { id: string; run: { steps: { name: string; status: string; time_limit_seconds: number | null }[] }; results: unknown[] } } | undefined;
    const names = await namesDuring(async () => {
      created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ flow_id: flow.id })).expect(201);
    });
    // The run's steps and what the creator may do come with the create: no read after it.
    expect(names).not.toContain('approval_with_run');
    expect(names).not.toContain('viewer_can_asks');
    created = created!;
    expect(created.body.run).toMatchObject({ flow_id: flow.id, flow_version: 1, status: 'pending', active_step: 1 });
    expect(created.body.run.steps.map((s) => [s.name, s.status, s.time_limit_seconds])).toEqual([
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

describe('a request decided at its create', () => {
  it("is answered as its transaction leaves it, read in that transaction: no read after the commit, and the same as GET", async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    await admin
      .http()
      .put('/api/v1/policies')
      .send({ source: '@id("reads") permit (principal, action, resource) when { resource has action_type && resource.action_type == "db.read" };', never_without_person: { priorities: [], action_types: [] } })
      .expect(200);
    let created: { status: number; body: { id: string; status: string; decided_by: unknown; viewer_can: unknown } } | undefined;
    const name = (sql: string) =>
      sql.includes('run_votes') ? 'read' : sql.trimStart().startsWith('UPDATE approvals') ? 'decision' : sql.includes('greenlight_append_event(') ? 'event' : null;
    const inTransaction = await transactionStepsDuring(server.db, name, async () => {
      const names = await namesDuring(async () => {
        created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'db.read' })).expect(201);
      });
      expect(names).not.toContain('approval_with_run');
    });
    // The decision and its event went to the connection together, and the read right behind them.
    const at = (step: string) => inTransaction.steps.indexOf(step);
    expect(at('issued decision')).toBeGreaterThanOrEqual(0);
    expect(at('issued event')).toBeLessThan(at('answered decision'));
    expect(at('issued read')).toBeGreaterThan(at('issued event'));
    expect(created!.body).toMatchObject({ status: 'approved' });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created!.body.id}`).expect(200)).body).toEqual(created!.body);
    // Left to people (no policy applies): answered by the create statement, as any create.
    const pending = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ action_type: 'db.write' })).expect(201);
    expect(pending.body.status).toBe('pending');
    expect((await server.http(seed.key).get(`/api/v1/approvals/${pending.body.id}`).expect(200)).body).toEqual(pending.body);
  });
});

describe("the creator's viewer_can comes with the create", () => {
  it('read by the create statement itself, no statement of its own after it, and the same as GET answers', async () => {
    const seed = await seedOrg(server.db);
    let created: { body: { id: string; viewer_can: unknown } } | undefined;
    const names = await namesDuring(async () => {
      created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    });
    expect(names.filter((n) => n.startsWith('create_approval'))).toHaveLength(1);
    expect(names).not.toContain('viewer_can_asks');
    expect(created!.body.viewer_can).toMatchObject({ cancel: { allowed: true } });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created!.body.id}`).expect(200)).body).toEqual(created!.body);
  });

  it('for each asker of a batch its own: API keys and signed-in people, with a step-up setting that covers some requests', async () => {
    const seed = await seedOrg(server.db);
    // Step-up covers critical requests: whether the creator's session is stepped up is part of what the rule reads.
    await server.db.query(`UPDATE orgs SET step_up_priorities = '{critical}' WHERE id = $1`, [seed.org.id]);
    const [admin, approver] = [await signedIn(server, seed), await signedIn(server, seed, 'approver')];
    const otherKey = await seed.newKey();
    const askers = [
      { name: 'key', http: () => server.http(seed.key) },
      { name: 'other key', http: () => server.http(otherKey.key) },
      { name: 'admin', http: () => admin.http() },
      { name: 'approver', http: () => approver.http() },
    ];
    // Sent together, so that creates of different askers share a statement.
    const made = await Promise.all(
      askers.flatMap((a) => (['low', 'critical'] as const).map(async (priority) => ({ a, res: await a.http().post('/api/v1/approvals').send(approvalBody({ priority })) }))),
    );
    for (const { a, res } of made) {
      expect(res.status, `${a.name}: ${JSON.stringify(res.body)}`).toBe(201);
      expect(res.body.viewer_can, a.name).toBeDefined();
      const got = (await a.http().get(`/api/v1/approvals/${res.body.id}`).expect(200)).body;
      expect(got, `${a.name}, ${res.body.priority}`).toEqual(res.body);
    }
    // Each asker's answer is its own: the admin may cancel another's request, the approver may not.
    const keyMade = made.find((m) => m.a.name === 'key')!.res.body;
    const byAdmin = (await admin.http().get(`/api/v1/approvals/${keyMade.id}`).expect(200)).body;
    const byApprover = (await approver.http().get(`/api/v1/approvals/${keyMade.id}`).expect(200)).body;
    expect(byAdmin.viewer_can.cancel.allowed).toBe(true);
    expect(byApprover.viewer_can.cancel.allowed).toBe(false);
  });
});
