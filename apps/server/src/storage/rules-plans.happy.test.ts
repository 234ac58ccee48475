/**
 * The rules that PL/pgSQL calls once per step or per vote, and the audit chain's placing (every
 * decision and audit entry), are PL/pgSQL themselves: up to Postgres 17 a
 * SQL-language function called from PL/pgSQL (and not inlined: these hold subqueries) is planned again
 * at every call, about 0.1–0.2 ms each, while a PL/pgSQL function keeps its plans for the session.
 * A request's `viewer_can` with one step spent 0.44 of its 1.11 ms replanning greenlight_step_access
 * (pg_stat_user_functions, 200 calls). Runs on PGlite and on Postgres.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../testing/harness.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
}, 60_000);
afterAll(() => t.drop(), 60_000);

it('the per-step and per-vote rules and the audit chain\'s placing, called from PL/pgSQL, keep their plans (PL/pgSQL)', async () => {
  const calledPerStep = ['greenlight_step_access', 'greenlight_step_approved', 'greenlight_requester_person', 'greenlight_stand_in', 'greenlight_approved_by', 'greenlight_vote_step', 'greenlight_viewer_can', 'audit_chain_place'];
  const { rows } = await t.db.query<{ proname: string; lanname: string }>(
    `SELECT p.proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.proname = ANY ($1::text[]) ORDER BY p.proname`,
    [calledPerStep],
  );
  expect(rows).toEqual([...calledPerStep].sort().map((proname) => ({ proname, lanname: 'plpgsql' })));
});
