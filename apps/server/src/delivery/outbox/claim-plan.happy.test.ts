/**
 * A claim reads the outbox by its primary key, whatever the table held when the connection planned it
 * (greenlight_claim_deliveries keeps one plan per connection: one made on a small table scanned the
 * whole outbox at every claim after, until the next ANALYZE).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { tableAccess } from '../../testing/table-access.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.stop();
}, 60_000);

it('claims the rows it names through the primary key, never by scanning the outbox, on a table too small to need an index', async () => {
  const { access } = await server.db.transaction((tx) =>
    tableAccess(tx, ['deliveries'], async () => {
      for (let i = 0; i < 8; i++) await tx.query('SELECT id FROM greenlight_claim_deliveries(ARRAY[gen_random_uuid(), gen_random_uuid()], 1000)');
    }),
  );
  expect(access.seq).toBe(0);
  expect(access.idx).toBeGreaterThanOrEqual(8);
});
