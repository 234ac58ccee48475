-- The guard every change of a pending request passes first (a decision, a step vote, a cancellation,
-- steps being configured), in a fixed order: found in the caller's org → emergency stop off → still
-- pending → not past `expires_at`. Returns the request, locked.
--
-- The request row is locked FOR NO KEY UPDATE (core/approval-record.ts, CHANGE_LOCK, says why not FOR
-- UPDATE) and its org row FOR SHARE, so changes of one request queue behind each other and each sees
-- what the one before it committed, and the stop, toggled by an UPDATE of the org row, either
-- committed before this lock or waits for the change to commit. A
-- request past `expires_at` is refused even before the expiry sweep has marked it: the deadline is
-- judged with `now()`, the transaction's start, which also stamps a decision's `decided_at`, so a vote
-- that arrived before the deadline but queued behind the lock still counts, and the record stays
-- consistent.
--
-- Refusals raise SQLSTATE GL001 with the API error code as the message and its details as JSON in
-- DETAIL (core/approvals/state-machine.ts maps them); anything the caller's statement wrote is rolled back.
CREATE OR REPLACE FUNCTION greenlight_lock_pending(p_org uuid, p_approval uuid) RETURNS approvals LANGUAGE plpgsql AS $$
DECLARE
  locked record;
BEGIN
  SELECT ap AS row, o.emergency_stop AS stopped, (ap.expires_at IS NOT NULL AND ap.expires_at <= now()) AS expired
    INTO locked
    FROM approvals ap JOIN orgs o ON o.id = ap.org_id
   -- Not `ap.org_id = p_org`: the function's plan is kept for the session, and one made while the
   -- table was nearly empty read the request through an org_id index (core/approval-record.ts, IN_ORG).
   WHERE ap.id = p_approval AND ap.org_id IS NOT DISTINCT FROM p_org
     FOR NO KEY UPDATE OF ap FOR SHARE OF o;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'NOT_FOUND', DETAIL = '{"subject":"approval"}';
  END IF;
  IF locked.stopped THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'EMERGENCY_STOP', DETAIL = '{}';
  END IF;
  IF (locked.row).status <> 'pending' THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'INVALID_STATUS',
      DETAIL = jsonb_build_object('subject', 'approval', 'status', (locked.row).status)::text;
  END IF;
  IF locked.expired THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'APPROVAL_EXPIRED', DETAIL = '{}';
  END IF;
  RETURN locked.row;
END
$$;
