-- Retention finds the requests that left `pending` longest ago across every org, a bounded batch at
-- a time (storage/functions/greenlight_purge_closed.sql): ordered by the moment they left it, so a
-- batch reads its rows from the start of this index instead of scanning the table. The moment is
-- the first of decided_at, cancelled_at and expired_at, as everywhere a request's decision time is read.
CREATE INDEX approvals_closed_idx ON approvals ((coalesce(decided_at, cancelled_at, expired_at))) WHERE status <> 'pending';
