-- What a claim makes of a row, the one definition of it: with a lease (`p_lease_until`), `delivering`,
-- the attempt counted (`p_attempts` + 1) and due again when the lease ends; without one, the row as
-- it was, `pending` and due at `p_due`. greenlight_claim_deliveries sets it on rows already written;
-- a writer that claims the rows it writes for its own first attempt (greenlight_create_approvals, the
-- outbox's enqueue, a decision's callback in events_fan_out) writes them with it, so a row written
-- claimed is a claimed row.
-- SQL and IMMUTABLE so that Postgres inlines it into each statement.
CREATE OR REPLACE FUNCTION greenlight_claim_state(p_attempts integer, p_due timestamptz, p_lease_until timestamptz)
RETURNS TABLE (status text, attempts integer, lease_until timestamptz, next_attempt_at timestamptz)
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_lease_until IS NULL THEN 'pending' ELSE 'delivering' END,
         p_attempts + CASE WHEN p_lease_until IS NULL THEN 0 ELSE 1 END,
         p_lease_until,
         coalesce(p_lease_until, p_due)
$$;

-- Claims outbox rows already written for one attempt each (greenlight_claim_state), used by the delivery
-- worker for due rows (delivery/outbox/outbox.ts). The caller chooses the rows and holds their locks
-- (FOR UPDATE SKIP LOCKED).
--
-- A claim marks the row `delivering`, counts the attempt and sets a lease: the attempt number is
-- fixed by the claim, so the same attempt cannot be made twice, and a claimer that dies leaves the
-- row to be claimed again when the lease ends (`next_attempt_at`), under the next attempt number.
CREATE OR REPLACE FUNCTION greenlight_claim_deliveries(p_ids uuid[], p_lease_ms float8)
RETURNS SETOF deliveries LANGUAGE plpgsql
-- An array parameter made Postgres plan the UPDATE at every call (it knows the array's length only
-- then); by the primary key, the plan is the same for any length. That one plan is kept for the
-- connection's life, and one made while the outbox was small (a new database, statistics not yet
-- gathered) scanned the whole table for `id = ANY` at every claim from then on: 0.4–1.7 ms a claim
-- after a thousand decisions, growing with the table until the next ANALYZE (bench/README.md, P3).
-- The claim only ever touches the rows it names, so it never scans.
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off AS $$
BEGIN
  RETURN QUERY
  UPDATE deliveries d
     SET (status, attempts, lease_until, next_attempt_at) =
           (SELECT c.* FROM greenlight_claim_state(d.attempts, d.next_attempt_at, now() + p_lease_ms * interval '1 millisecond') c),
         updated_at = now()
   WHERE d.id = ANY (p_ids)
  RETURNING d.*;
END
$$;
