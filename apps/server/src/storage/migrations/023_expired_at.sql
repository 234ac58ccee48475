-- When a request expired with nobody deciding, on the request itself: with decided_at and
-- cancelled_at, every way out of `pending` has its moment on the row, so a client that cannot read
-- a request's events (a Make poll) dates a plain expiry the way every other client does.
ALTER TABLE approvals ADD COLUMN expired_at timestamptz;

-- Requests that expired before the column existed take the time of their approval.expired event,
-- written by the sweeper in the same transaction as the status.
UPDATE approvals a
   SET expired_at = e.created_at
  FROM events e
 WHERE a.status = 'expired' AND e.approval_id = a.id AND e.type = 'approval.expired';
