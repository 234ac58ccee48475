/**
 * A decision's answer says what its caller may do with the request now (`viewer_can`). On the
 * database itself that is read right behind the vote and its announcement, on the vote's connection
 * (DecideOptions.answerFor), not by a statement of its own once the vote's answer is back: the answer
 * is the same as a read afterwards gives, whatever the vote did, and a refused vote leaves the pool as
 * it found it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { statementsDuring } from '../../testing/statements.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

/** What the rules' statement of its own is prepared as (core/approvals/rules.ts viewerCanStatement). */
const OWN_CAN_READ = 'viewer_can_asks';

async function issuedDuring(work: () => Promise<unknown>): Promise<string[]> {
  const { steps } = await statementsDuring(server.db, work);
  return steps.filter((s) => s.step === 'issued').map((s) => s.prepare ?? s.text.slice(0, 40));
}

describe('the decision answers what its caller may do, read behind the vote', () => {
  it('a final approval: no statement of its own for the rules, and the answer is what a read afterwards shows', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ revocable_for_seconds: 600 })).expect(201)).body as { id: string };
    let answer: { status: string; viewer_can: Record<string, { allowed: boolean; reason?: string }> } | undefined;
    const issued = await issuedDuring(async () => {
      answer = (await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200)).body;
    });
    expect(issued).toContain('decide_approval');
    expect(issued).not.toContain(OWN_CAN_READ);
    expect(answer!.status).toBe('approved');
    // The approver who approved may revoke within the window; nothing else is open any more.
    expect(answer!.viewer_can.revoke).toEqual({ allowed: true });
    expect(answer!.viewer_can.decide!.allowed).toBe(false);
    const read = (await server.http(approver.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body as { viewer_can: unknown };
    expect(answer!.viewer_can).toEqual(read.viewer_can);
  });

  it('a vote that leaves the request pending: the answer already knows the vote', async () => {
    const seed = await seedOrg(server.db);
    const first = await seed.newKey();
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ required_approvals: 2 })).expect(201)).body as { id: string };
    const answer = (await server.http(first.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200)).body as {
      status: string;
      viewer_can: { decide: { allowed: boolean; reason?: string } };
    };
    expect(answer.status).toBe('pending');
    expect(answer.viewer_can.decide).toMatchObject({ allowed: false, reason: 'You already voted' });
    const read = (await server.http(first.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body as { viewer_can: unknown };
    expect(answer.viewer_can).toEqual(read.viewer_can);
  });

  it('refused votes answer their refusal, and the connections their reads went behind go back to the pool', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
    await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    // More refusals than the pool has connections: a connection kept by any of them would show as a hang.
    for (let i = 0; i < 25; i++) {
      const refused = await server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'reject' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('INVALID_STATUS');
    }
    const other = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
    const answer = (await server.http(approver.key).patch(`/api/v1/approvals/${other.id}`).send({ decision: 'reject' }).expect(200)).body as { status: string; viewer_can: unknown };
    expect(answer.status).toBe('rejected');
    const stats = server.db.poolStats?.();
    if (stats) expect(stats.waiting).toBe(0);
  });
});
