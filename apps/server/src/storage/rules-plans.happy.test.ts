/**
 * The rules that PL/pgSQL calls once per step or per vote, and the audit chain's placing (every
 * decision and audit entry), are PL/pgSQL themselves: up to Postgres 17 a
 * SQL-language function called from PL/pgSQL (and not inlined: these hold subqueries) keeps its plan
 * only as long as the caller's expression state, which PL/pgSQL makes anew in each transaction, while
 * a PL/pgSQL function keeps its plans for the session.
 * - A request's `viewer_can` with one step spent 0.44 of its 1.11 ms replanning greenlight_step_access
 *   (pg_stat_user_functions, 200 calls).
 * - greenlight_waiting_for ("Waiting for …", told to whoever may not decide yet) costs about 1 ms a
 *   call in autocommit as SQL and 0.13 ms as PL/pgSQL. Within one transaction both look alike, so a
 *   measurement must call it in transactions of its own: a request's answer to the API key that
 *   created it (a run of one step) takes 1.37 ms with the SQL function and 0.35–0.46 ms without.
 * Runs on PGlite and on Postgres.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../testing/harness.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

it('the per-step and per-vote rules and the audit chain\'s placing, called from PL/pgSQL, keep their plans (PL/pgSQL)', async () => {
  const calledPerStep = ['greenlight_step_access', 'greenlight_step_approved', 'greenlight_requester_person', 'greenlight_stand_in', 'greenlight_approved_by', 'greenlight_vote_step', 'greenlight_viewer_can', 'greenlight_waiting_for', 'audit_chain_place'];
  const { rows } = await server.db.query<{ proname: string; lanname: string }>(
    `SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = ANY ($1::text[]) ORDER BY p.proname`,
    [calledPerStep],
  );
  expect(rows).toEqual([...calledPerStep].sort().map((proname) => ({ proname, lanname: 'plpgsql' })));
});

it('telling a viewer whom a request waits for calls no SQL-language function that would be planned again', async () => {
  const seed = await seedOrg(server.db);
  const bob = await seed.addUser('approver');
  const carol = await seed.addUser('approver');
  const created = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body as { id: string };
  await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: bob.id, step_order: 1 }] }).expect(201);
  // The functions called through the function manager in this transaction: an inlined SQL function is not among them.
  const seen = await server.db.transaction(async (tx) => {
    await tx.query(`SET LOCAL track_functions = 'all'`);
    const can = (await tx.query<{ can: { decide: unknown } }>(`SELECT greenlight_viewer_can($1, 'user', $2, $2, 'approver') AS can`, [created.id, carol.id])).rows[0]!.can;
    const { rows } = await tx.query<{ funcname: string; lanname: string }>(
      `SELECT f.funcname, l.lanname FROM pg_stat_xact_user_functions f JOIN pg_proc p ON p.oid = f.funcid JOIN pg_language l ON l.oid = p.prolang ORDER BY 1`,
    );
    return { can, rows };
  });
  expect(seen.can.decide).toMatchObject({ allowed: false, reason: `Waiting for ${bob.email}` });
  expect(seen.rows.map((r) => r.funcname)).toContain('greenlight_waiting_for');
  expect(seen.rows.filter((r) => r.lanname === 'sql')).toEqual([]);
});
