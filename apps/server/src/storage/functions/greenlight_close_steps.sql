-- A request that stops waiting (decided, cancelled, expired, from any path) closes the steps it left
-- open, in the transaction that ends it, so its run never shows a step still waiting on a request that
-- no longer does (the contract's StepStatus):
-- - `expired`: the request's time ran out (a step's time limit, or the request's deadline) while the
--   step was asked: its front steps (greenlight_rules.sql: the lowest open step of a sequential
--   request, every open step of a parallel one). Stamped with when it ended.
-- - `skipped`: any other step left open (not yet reached, or the request ended on another step, or was
--   cancelled); never decided, so no decided_at.
-- Ended by time is judged as the guard judges a vote (greenlight_lock_pending): the deadline had passed
-- by the database clock; a decision or cancellation is refused then, so only the expiry sweep ends a
-- request past its deadline.
CREATE OR REPLACE FUNCTION greenlight_close_steps() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  timed_out boolean := OLD.expires_at IS NOT NULL AND OLD.expires_at <= now();
  asked uuid[] := '{}'::uuid[];
BEGIN
  -- plpgsql resolves greenlight_front_steps when this runs, so the rules file may be applied after this one.
  -- Read only for a request that timed out: behind a CASE, the subquery would make PL/pgSQL run the
  -- assignment as a statement of its own on every decision.
  IF timed_out THEN
    asked := ARRAY(SELECT f.id FROM greenlight_front_steps(NEW.id) f);
  END IF;
  UPDATE approval_steps s
     SET status = CASE WHEN s.id = ANY(asked) THEN 'expired' ELSE 'skipped' END,
         decided_at = CASE WHEN s.id = ANY(asked) THEN now() END
   WHERE s.approval_id = NEW.id AND s.status = 'pending';
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER approvals_close_steps AFTER UPDATE OF status ON approvals
  FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status <> 'pending') EXECUTE FUNCTION greenlight_close_steps();
