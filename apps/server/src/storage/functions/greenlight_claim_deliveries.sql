-- Claims outbox rows for one attempt each: the one definition of a claim, used by the delivery
-- worker for due rows (delivery/outbox/outbox.ts) and by a final decision for its callback's first attempt
-- (greenlight_decide.sql). The caller chooses the rows and holds their locks (FOR UPDATE SKIP LOCKED
-- for the worker; a row its own transaction just inserted for a decision).
--
-- A claim marks the row `delivering`, counts the attempt and sets a lease: the attempt number is
-- fixed by the claim, so the same attempt cannot be made twice, and a claimer that dies leaves the
-- row to be claimed again when the lease ends (`next_attempt_at`), under the next attempt number.
CREATE OR REPLACE FUNCTION greenlight_claim_deliveries(p_ids uuid[], p_lease_ms float8)
RETURNS SETOF deliveries LANGUAGE plpgsql
-- An array parameter made Postgres plan the UPDATE at every call (it knows the array's length only
-- then); by the primary key, the plan is the same for any length.
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN QUERY
  UPDATE deliveries d
     SET status = 'delivering', attempts = d.attempts + 1, updated_at = now(),
         lease_until = now() + p_lease_ms * interval '1 millisecond',
         next_attempt_at = now() + p_lease_ms * interval '1 millisecond'
   WHERE d.id = ANY (p_ids)
  RETURNING d.*;
END
$$;
