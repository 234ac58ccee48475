import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

type Http = Pick<ReturnType<SignedIn['http']>, 'get' | 'patch'>;

/** A vote through `PATCH /approvals/:id`, and the request as the same caller's GET shows it right after. */
async function voteAndRead(http: Http, id: string, body: Record<string, unknown>) {
  const answer = (await http.patch(`/api/v1/approvals/${id}`).send(body).expect(200)).body as Record<string, unknown>;
  const read = (await http.get(`/api/v1/approvals/${id}`).expect(200)).body as Record<string, unknown>;
  return { answer, read };
}

describe("a decision's answer says what the voter may do, as GET says it", () => {
  it("a key's approval that decides the request", async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const { answer, read } = await voteAndRead(server.http(decider.key), created.body.id, { decision: 'approve' });
    expect(answer.status).toBe('approved');
    expect(answer.viewer_can).toBeDefined();
    expect(answer.viewer_can).toEqual(read.viewer_can);
  });

  it("an admin's vote that leaves the request pending: the answer says they may not vote again, as GET does", async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ required_approvals: 2 })).expect(201);
    const { answer, read } = await voteAndRead(admin.http(), created.body.id, { decision: 'approve' });
    expect(answer.status).toBe('pending');
    expect((answer.viewer_can as { decide: { allowed: boolean } }).decide.allowed).toBe(false);
    expect(answer.viewer_can).toEqual(read.viewer_can);
  });

  it("an approver's rejection, and an approval within a revoke window: each answer's viewer_can is GET's", async () => {
    const seed = await seedOrg(server.db);
    const approver = await signedIn(server, seed, 'approver');
    const rejected = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const r = await voteAndRead(approver.http(), rejected.body.id, { decision: 'reject', comment: 'no' });
    expect(r.answer.status).toBe('rejected');
    expect(r.answer.viewer_can).toEqual(r.read.viewer_can);

    const revocable = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ revocable_for_seconds: 600 })).expect(201);
    const a = await voteAndRead(approver.http(), revocable.body.id, { decision: 'approve' });
    expect(a.answer.status).toBe('approved');
    // The approving voter may take it back within the window: the answer says so at once.
    expect((a.answer.viewer_can as { revoke: { allowed: boolean } }).revoke.allowed).toBe(true);
    expect(a.answer.viewer_can).toEqual(a.read.viewer_can);
  });

  it("a vote on a flow's step: the answer's viewer_can is GET's", async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [lead, manager] = [await signedIn(server, seed, 'approver'), await seed.addUser('approver')];
    const flow = (
      await admin
        .http()
        .post('/api/v1/flows')
        .send({ name: 'Two steps', steps: [{ name: 'Lead', approvers: { user_ids: [lead.user.id] } }, { name: 'Manager', approvers: { user_ids: [manager.id] } }] })
        .expect(201)
    ).body;
    const created = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ flow_id: flow.id })).expect(201);
    const { answer, read } = await voteAndRead(lead.http(), created.body.id, { decision: 'approve' });
    expect(answer.status).toBe('pending');
    expect(answer.viewer_can).toEqual(read.viewer_can);
  });
});
