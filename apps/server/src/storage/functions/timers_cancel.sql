-- A request or a step that stops waiting (decided, cancelled, expired, from any path) cancels its
-- unfired timers in the transaction that changes it: no reminder or escalation fires after it. A timer
-- claimed by a process before the change commits is safe too: its claim share-locks the request
-- (jobs/timers.ts), so the change waits for it, and its messages are not sent once the request is
-- no longer pending (each channel checks when it sends: channels/notification-content.ts).
CREATE OR REPLACE FUNCTION timers_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'approvals' THEN
    UPDATE timers SET cancelled_at = now(), outcome = 'request ' || NEW.status
     WHERE approval_id = NEW.id AND fired_at IS NULL AND cancelled_at IS NULL;
  ELSE
    UPDATE timers SET cancelled_at = now(), outcome = 'step ' || NEW.status
     WHERE approval_id = NEW.approval_id AND step_order = NEW.step_order AND fired_at IS NULL AND cancelled_at IS NULL;
  END IF;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER approvals_timers_cancel AFTER UPDATE OF status ON approvals
  FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status <> 'pending') EXECUTE FUNCTION timers_cancel();
CREATE OR REPLACE TRIGGER approval_steps_timers_cancel AFTER UPDATE OF status ON approval_steps
  FOR EACH ROW WHEN (OLD.status = 'pending' AND NEW.status <> 'pending') EXECUTE FUNCTION timers_cancel();

-- Steps configured again (POST /approvals/:id/steps, before any vote) replace what the request waits
-- on. A replaced step takes its timers with it, fired ones included, so that the new step of the same
-- order is reminded and escalated as a step of its own (timers are unique per step order and kind);
-- and a request that had no steps stops its whole-request timers (step 0): its steps are asked now.
CREATE OR REPLACE FUNCTION timers_follow_steps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM timers WHERE approval_id = OLD.approval_id AND step_order = OLD.step_order;
  ELSE
    UPDATE timers SET cancelled_at = now(), outcome = 'steps configured'
     WHERE approval_id = NEW.approval_id AND step_order = 0 AND fired_at IS NULL AND cancelled_at IS NULL;
  END IF;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER approval_steps_timers_follow AFTER INSERT OR DELETE ON approval_steps
  FOR EACH ROW EXECUTE FUNCTION timers_follow_steps();
