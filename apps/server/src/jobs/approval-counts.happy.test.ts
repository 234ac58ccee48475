import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';
import { listWithBound } from '../testing/list-approvals.ts';
import { expireDue, foldApprovalCounts } from '../core/approvals/index.ts';
import type { Queryable } from '../storage/database.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const counts = async (orgId: string) => {
  const { rows } = await server.db.query<{ status: string; n: number }>(
    'SELECT status, sum(n)::int AS n FROM approval_counts WHERE org_id = $1 GROUP BY status ORDER BY status',
    [orgId],
  );
  return Object.fromEntries(rows.filter((r) => r.n !== 0).map((r) => [r.status, r.n]));
};
const actual = async (orgId: string) => {
  const { rows } = await server.db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM approvals WHERE org_id = $1 GROUP BY status ORDER BY status',
    [orgId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
};

describe('the maintained count of requests per org and status', () => {
  it('follows creates, decisions, cancellations and expiry, before and after folding', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const decider = await seed.newKey();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push((await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id);
    await server.http(other.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    await server.http(decider.key).patch(`/api/v1/approvals/${ids[0]}`).send({ decision: 'approve' }).expect(200);
    await server.http(decider.key).patch(`/api/v1/approvals/${ids[1]}`).send({ decision: 'reject' }).expect(200);
    await server.http(seed.key).delete(`/api/v1/approvals/${ids[2]}`).expect(200);
    await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [ids[3]]);
    await expireDue(server.db);
    const expected = { approved: 1, cancelled: 1, expired: 1, pending: 5, rejected: 1 };
    expect(await actual(seed.org.id)).toEqual(expected);
    expect(await counts(seed.org.id)).toEqual(expected);
    expect(await counts(other.org.id)).toEqual({ pending: 1 });

    expect(await foldApprovalCounts(server.db)).toBeGreaterThan(0);
    expect(await counts(seed.org.id)).toEqual(expected);
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM approval_counts WHERE org_id = $1', [seed.org.id]);
    expect(rows[0]!.n).toBe(Object.keys(expected).length);
    // Nothing left to fold: a second fold changes nothing.
    await foldApprovalCounts(server.db);
    expect(await counts(seed.org.id)).toEqual(expected);
  });

  // The rows a fold reads, from the table's counters of this transaction: each a bounded number of
  // times, whatever the table's statistics say. The upkeep job vacuums the table after folds, which
  // leaves it counted as a row or two over the pages that held a second of creates; new rows then
  // fill those pages, and a plan made on those statistics read every row again for each row it
  // deleted (400 rows: some 160,000 reads, 40 ms).
  it('reads each row it folds a bounded number of times, with the statistics a vacuum leaves', async () => {
    const seed = await seedOrg(server.db);
    const reads = (tx: Queryable) =>
      tx
        .query<{ n: string }>(`SELECT (seq_tup_read + idx_tup_fetch)::text AS n FROM pg_stat_xact_user_tables WHERE relname = 'approval_counts'`)
        .then((r) => Number(r.rows[0]?.n ?? 0));
    const read = await server.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO approval_counts (org_id, status, n) SELECT $1, 'pending', 1 FROM generate_series(1, 400)`, [seed.org.id]);
      // A table of this size is read through its index, as the vacuumed table of a busy server is.
      await tx.query('SET LOCAL enable_seqscan = off');
      await tx.query(`UPDATE pg_class SET reltuples = 1, relpages = pg_relation_size('approval_counts') / 8192 WHERE oid = 'approval_counts'::regclass`);
      const before = await reads(tx);
      expect(await foldApprovalCounts(tx)).toBeGreaterThanOrEqual(400);
      return (await reads(tx)) - before;
    });
    expect(read).toBeLessThan(10 * 400);
    expect(await counts(seed.org.id)).toEqual({ pending: 400 });
  });

  // Its vacuums (the upkeep job's and autovacuum's) never take the exclusive lock that giving empty
  // pages back needs: every create inserts here, and would wait behind it (migration 115).
  it('is vacuumed without giving its pages back', async () => {
    const { rows } = await server.db.query<{ options: string[] | null }>(`SELECT reloptions AS options FROM pg_class WHERE oid = 'approval_counts'::regclass`);
    expect(rows[0]!.options).toContain('vacuum_truncate=false');
  });

  it('gives a list by status its exact total beyond the counting bound, on numbered and cursor pages', async () => {
    const seed = await seedOrg(server.db);
    for (let i = 0; i < 7; i++) await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201);
    const first = await listWithBound(server, seed, 2, 'status=pending&page_size=3');
    expect(first.pagination).toMatchObject({ page: 1, page_size: 3, total: 7, total_pages: 3 });
    const second = await listWithBound(server, seed, 2, `status=pending&page_size=3&page_token=${first.next_page_token}`);
    expect(second.pagination).toMatchObject({ page: 2, total: 7, total_pages: 3 });
    expect((await listWithBound(server, seed, 2, 'status=approved')).pagination).toMatchObject({ total: 0, total_pages: 0, total_exact: true });
  });
});
