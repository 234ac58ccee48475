-- The cancel transition (core/approvals/state-machine.ts): the requester withdraws a pending request, behind
-- the same guard as a decision (greenlight_lock_pending), so a concurrent decision, expiry or
-- emergency stop either committed before it or waits for it. One statement: the request and its
-- `approval.cancelled` event (and, through the fan-out trigger, its callback) commit together.
--
-- Only the requester or an admin may (greenlight_require_manager, the rule viewer_can.cancel shows).
--
-- p_cancel (JSON): org, approval, actor_type, actor_id, actor_name, actor_role (the role of the person
-- acting; null for an API key), announce: the event's announcement is left in the session's
-- `greenlight.announce` for the statement the caller sends right behind this one (as greenlight_decide
-- does: ANNOUNCE_OUTCOME in core/approvals/state-machine.ts), which NOTIFYs it once this commits.
-- wake_worker: the fan-out queued a delivery for a worker (its callback, a subscription's), so the
-- caller wakes the delivery workers once this commits (as greenlight_decide says).
CREATE OR REPLACE FUNCTION greenlight_cancel(p_cancel jsonb)
RETURNS TABLE (approval json, event_id text, wake_worker boolean) LANGUAGE plpgsql AS $$
DECLARE
  v record;
  a approvals;
  ev_id bigint;
BEGIN
  SELECT * INTO v FROM jsonb_to_record(p_cancel) AS x(org uuid, approval uuid, actor_type text, actor_id uuid, actor_name text, actor_role text, announce boolean);
  PERFORM set_config('greenlight.fanned_out', '', true);
  PERFORM greenlight_require_manager(v.org, v.approval, v.actor_type, v.actor_id, v.actor_role, 'cancel');
  a := greenlight_lock_pending(v.org, v.approval);
  UPDATE approvals ap SET status = 'cancelled', cancelled_at = now(), updated_at = now()
   WHERE ap.id = a.id
  RETURNING ap.* INTO a;
  INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
  VALUES (a.org_id, a.id, 'approval.cancelled', v.actor_type, v.actor_id, v.actor_name, 'pending', 'cancelled', '{}')
  RETURNING id INTO ev_id;
  IF v.announce THEN
    PERFORM set_config('greenlight.announce', greenlight_event_notification(a.org_id, ev_id, a.id, 'approval.cancelled'), false);
  END IF;
  RETURN QUERY SELECT to_json(a), ev_id::text, current_setting('greenlight.fanned_out', true) = 'on';
END
$$;
