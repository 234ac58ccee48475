import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { sessionOf, signedIn } from '../testing/session.ts';
import { createRequest } from '../testing/decisions.ts';
import { expireDue } from './approvals/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

interface RunStep {
  name: string | null;
  step_order: number;
  status: string;
  decided_at: string | null;
}

const detail = async (seed: SeededOrg, id: string) => (await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
const stepsOf = (a: { run: { steps: RunStep[] } }) => a.run.steps.map((s) => [s.name, s.status]);

/** Time passing to the request's deadline: the database clock is what the sweep and the guard read. */
async function deadlinePassed(id: string) {
  await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
}

/** A three-step flow: the lead, then the manager (a one-minute time limit), then finance. */
async function threeSteps(onExpiry: 'reject' | 'approve' | 'expire') {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const [lead, manager, finance] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
  const flow = (
    await admin
      .http()
      .post('/api/v1/flows')
      .send({
        name: `Spend ${onExpiry}`,
        steps: [
          { name: 'Lead', approvers: { user_ids: [lead.id] } },
          { name: 'Manager', approvers: { user_ids: [manager.id] }, time_limit_seconds: 60 },
          { name: 'Finance', approvers: { user_ids: [finance.id] } },
        ],
        on_expiry: onExpiry,
      })
      .expect(201)
  ).body;
  const created = await createRequest(server, seed.key, { flow_id: flow.id });
  return { seed, lead, manager, finance, created };
}

describe('the run after a request ends', () => {
  it.each([
    ['reject', 'rejected'],
    ['expire', 'expired'],
    ['approve', 'approved'],
  ] as const)('the run after a step time limit (on_expiry %s): the step that waited too long is expired, the one never reached skipped', async (onExpiry, final) => {
    const { seed, lead, created } = await threeSteps(onExpiry);
    await (await sessionOf(server, seed, lead)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    const waiting = await detail(seed, created.id);
    expect(waiting.run.active_step).toBe(2);
    // The manager's minute has started: it is the request's deadline now.
    expect(Date.parse(waiting.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);

    await deadlinePassed(created.id);
    await expireDue(server.db);

    const after = await detail(seed, created.id);
    expect(after.status).toBe(final);
    expect(after.run).toMatchObject({ status: final, active_step: null });
    expect(stepsOf(after)).toEqual([
      ['Lead', 'approved'],
      ['Manager', 'expired'],
      ['Finance', 'skipped'],
    ]);
    const [, manager, finance] = after.run.steps as RunStep[];
    expect(manager!.decided_at).not.toBeNull();
    expect(finance!.decided_at).toBeNull();
    // The steps' own list says the same.
    const listed = (await server.http(seed.key).get(`/api/v1/approvals/${created.id}/steps`).expect(200)).body.data as RunStep[];
    expect(listed.map((s) => s.status)).toEqual(['approved', 'expired', 'skipped']);
  });

  it('a step rejected: the steps after it are skipped, not left pending', async () => {
    const { seed, lead, created } = await threeSteps('reject');
    await (await sessionOf(server, seed, lead)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'reject', comment: 'no' }).expect(200);
    const after = await detail(seed, created.id);
    expect(after.status).toBe('rejected');
    expect(stepsOf(after)).toEqual([
      ['Lead', 'rejected'],
      ['Manager', 'skipped'],
      ['Finance', 'skipped'],
    ]);
  });

  it('cancelled: every open step is skipped', async () => {
    const { seed, lead, created } = await threeSteps('reject');
    await (await sessionOf(server, seed, lead)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    await server.http(seed.key).delete(`/api/v1/approvals/${created.id}`).expect(200);
    const after = await detail(seed, created.id);
    expect(after.status).toBe('cancelled');
    expect(stepsOf(after)).toEqual([
      ['Lead', 'approved'],
      ['Manager', 'skipped'],
      ['Finance', 'skipped'],
    ]);
  });

  it('parallel steps past the deadline: every open one expired, the decided one kept', async () => {
    const seed = await seedOrg(server.db);
    const [ann, bob, cy] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const created = await createRequest(server, seed.key, { is_sequential: false, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    await server
      .http(seed.key)
      .post(`/api/v1/approvals/${created.id}/steps`)
      .send({ steps: [ann, bob, cy].map((u, i) => ({ approver_id: u.id, step_order: i + 1 })) })
      .expect(201);
    await (await sessionOf(server, seed, bob)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    await deadlinePassed(created.id);
    await expireDue(server.db);
    const after = await detail(seed, created.id);
    expect(after.status).toBe('expired');
    expect(after.run.steps.map((s: RunStep) => s.status)).toEqual(['expired', 'approved', 'expired']);
  });
});
