-- A request or a step that stops waiting (decided, cancelled, expired, from any path) cancels its
-- unfired timers in the transaction that changes it: no reminder or escalation fires after it. A timer
-- claimed by a process before the change commits is safe too: its claim share-locks the request
-- (delivery/timers.ts), so the change waits for it, and its emails are not sent once the request is
-- no longer pending (delivery/notifications.ts).
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
