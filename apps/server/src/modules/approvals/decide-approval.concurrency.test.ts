/**
 * Exactly-once decisions under concurrency. On PGlite transactions run one at a
 * time; on Postgres (GREENLIGHT_TEST_DATABASE_URL) the requests really race on separate connections.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, TEST_DATABASE_URL, type TestServer } from '../../testing/harness.ts';
import { until } from '../../testing/until.ts';
import { approvalRow, createRequest, eventsOf, votesOf } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const keys = (seed: Awaited<ReturnType<typeof seedOrg>>, n: number) => Promise.all(Array.from({ length: n }, () => seed.newKey()));

describe('parallel decisions', () => {
  it('50 parallel approvals from 50 connections: exactly one 200 approved, 49 × 409, one approval.approved event', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const approvers = await keys(seed, 50);

    const answers = await Promise.all(
      approvers.map((a) => server.http(a.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' })),
    );

    const ok = answers.filter((r) => r.status === 200);
    const conflicts = answers.filter((r) => r.status === 409);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.body).toMatchObject({ status: 'approved', current_approvals: 1, callback_delivered: false });
    expect(conflicts).toHaveLength(49);
    for (const c of conflicts) {
      expect(c.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'approval request is already approved' });
    }

    const winner = approvers.find((a) => a.connectionId === ok[0]!.body.decided_by);
    expect(winner).toBeDefined();
    const events = await eventsOf(server, created.id);
    expect(events.filter((e) => e.type === 'approval.approved')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'approval.vote_recorded')).toHaveLength(0);
    expect(await votesOf(server, created.id)).toHaveLength(1);
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'approved', current_approvals: 1, decided_by: winner!.connectionId });
  });

  it('required_approvals 3 with 10 parallel approvers: one transition, exactly 3 votes counted', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, { required_approvals: 3 });
    const approvers = await keys(seed, 10);

    const answers = await Promise.all(
      approvers.map((a) => server.http(a.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' })),
    );

    const ok = answers.filter((r) => r.status === 200);
    expect(ok).toHaveLength(3);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(7);
    expect(ok.map((r) => r.body.current_approvals).sort()).toEqual([1, 2, 3]);
    expect(ok.filter((r) => r.body.status === 'approved')).toHaveLength(1);
    expect(ok.find((r) => r.body.status === 'approved')!.body.current_approvals).toBe(3);

    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'approved', current_approvals: 3 });
    const votes = await votesOf(server, created.id);
    expect(votes).toHaveLength(3);
    expect(new Set(votes.map((v) => v.voter_id)).size).toBe(3);

    const events = await eventsOf(server, created.id);
    expect(events.filter((e) => e.type === 'approval.vote_recorded')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'approval.approved')).toHaveLength(1);
    expect(events.map((e) => e.type).at(-1)).toBe('approval.approved');
  });

  it('one principal sending the same approval 10 times in parallel is counted once', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, { required_approvals: 2 });
    const approver = await seed.newKey();

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => server.http(approver.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' })),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = answers.filter((r) => r.status === 409);
    expect(refused).toHaveLength(9);
    for (const r of refused) expect(r.body.error).toMatchObject({ code: 'ALREADY_VOTED' });
    expect(await approvalRow(server, created.id)).toMatchObject({ status: 'pending', current_approvals: 1 });
    expect(await votesOf(server, created.id)).toHaveLength(1);
  });

  it('approvals racing a rejection: exactly one final transition, never both', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key, { required_approvals: 2 });
    const approvers = await keys(seed, 12);

    const answers = await Promise.all(
      approvers.map((a, i) =>
        server.http(a.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: i % 3 === 0 ? 'reject' : 'approve' }),
      ),
    );
    const finals = answers.filter((r) => r.status === 200 && r.body.status !== 'pending');
    expect(finals).toHaveLength(1);
    const events = await eventsOf(server, created.id);
    const transitions = events.filter((e) => e.type === 'approval.approved' || e.type === 'approval.rejected');
    expect(transitions).toHaveLength(1);
    expect(transitions[0]!.to_status).toBe(finals[0]!.body.status);
    const row = await approvalRow(server, created.id);
    expect(row.status).toBe(finals[0]!.body.status);
    const approvals = (await votesOf(server, created.id)).filter((v) => v.decision === 'approve');
    expect(row.current_approvals).toBe(approvals.length);
  });
});

// Two connections at once: Postgres only (the embedded database has one).
describe.skipIf(!TEST_DATABASE_URL)('a change of a request beside a row being written that refers to it', () => {
  /** Whether a backend of this database waits for a lock (another transaction's row lock). */
  const someoneWaits = async () => {
    const { rows } = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0]!.n > 0 && ('waits' as const);
  };

  it('a decision and a comment go ahead while a transaction inserting a row that refers to the request is open', async () => {
    const seed = await seedOrg(server.db);
    const created = await createRequest(server, seed.key);
    const [approver] = await keys(seed, 1);
    await server.db.transaction(async (tx) => {
      // What a foreign key's check takes on the request when a delivery, a notification's email or
      // another writer's event referring to it is inserted, held until that transaction ends.
      await tx.query('SELECT 1 FROM approvals WHERE id = $1 FOR KEY SHARE', [created.id]);
      const commented = server.http(approver!.key).post(`/api/v1/approvals/${created.id}/comments`).send({ body: 'looks fine' });
      expect(await Promise.race([commented, until(someoneWaits)])).toMatchObject({ status: 201 });
      const decided = server.http(approver!.key).patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' });
      const first = await Promise.race([decided, until(someoneWaits)]);
      expect(first).toMatchObject({ status: 200, body: { status: 'approved' } });
    });
    expect((await approvalRow(server, created.id)).status).toBe('approved');
  });
});
