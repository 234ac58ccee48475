/**
 * A claim reads the outbox by its primary key, whatever the table held when the connection planned it
 * (greenlight_claim_deliveries keeps one plan per connection: one made on a small table scanned the
 * whole outbox at every claim after, until the next ANALYZE).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.stop();
}, 60_000);

it('claims the rows it names through the primary key, never by scanning the outbox, on a table too small to need an index', async () => {
  const scans = await server.db.transaction(async (tx) => {
    // The backend's unreported counters for the table: nothing is reported while this transaction is open.
    const counters = async () =>
      (
        await tx.query<{ seq: number; idx: number }>(
          `SELECT coalesce(sum(seq_scan), 0)::int AS seq, coalesce(sum(idx_scan), 0)::int AS idx FROM pg_stat_xact_user_tables WHERE relname = 'deliveries'`,
        )
      ).rows[0]!;
    const before = await counters();
    for (let i = 0; i < 8; i++) await tx.query('SELECT id FROM greenlight_claim_deliveries(ARRAY[gen_random_uuid(), gen_random_uuid()], 1000)');
    const after = await counters();
    return { seq: after.seq - before.seq, idx: after.idx - before.idx };
  });
  expect(scans.seq).toBe(0);
  expect(scans.idx).toBeGreaterThanOrEqual(8);
});
