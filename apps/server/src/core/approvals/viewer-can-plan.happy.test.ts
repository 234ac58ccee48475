/**
 * The viewer_can statement is prepared, and a connection keeps its generic plan for as long as it
 * lives. That plan must read each request by its key however the table has grown since it was made:
 * a plan that scanned the requests (a hash join, chosen while the table was young) would cost every
 * answer a pass over all of them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { VIEWER_CAN_SQL } from './rules.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

it('its generic plan reads each request by its primary key, and what else it reads by key, never by a scan of a table', async () => {
  const plan = await server.db.transaction(async (tx) => {
    await tx.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
    await tx.query(`PREPARE viewer_can_plan (jsonb) AS ${VIEWER_CAN_SQL}`);
    try {
      const ask = [{ ord: 0, id: '00000000-0000-4000-8000-000000000000', principal_type: 'connection', principal_id: '00000000-0000-4000-8000-000000000001', may_write: true, may_comment: true }];
      const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE viewer_can_plan ('${JSON.stringify(ask)}')`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await tx.query('DEALLOCATE viewer_can_plan');
    }
  });
  expect(plan).toMatch(/Index Scan using approvals_pkey on approvals/);
  expect(plan).not.toMatch(/Seq Scan on approvals/);
  expect(plan).not.toMatch(/Hash (Right |Left )?Join/);
  // Nor a pass over any other table for the facts read beside the rule (a request's steps, the
  // caller's sessions): a subquery hashed once per statement reads all of its table.
  expect(plan).not.toMatch(/Seq Scan/);
  expect(plan).not.toMatch(/hashed SubPlan/);
});
