-- Issue 10: writers of one org commit in parallel again.
--
-- 004 made event ids follow commit order by making every writer of an org wait on a per-org lock
-- from its first event until its commit, and 003's fan-out trigger queued a NOTIFY, whose cluster-wide
-- queue lock is also held until commit. Both were held through the commit's WAL flush, so creates
-- committed one after another (bench/README.md, P1). Both go:
--
-- 1. Gap safety moves to the reader. Every event records the id of the transaction that wrote it
--    (`xid`). A reader follows an org's events in (xid, id) order and only reads events whose
--    transaction is older than its snapshot's xmin: every such transaction has ended, so no event can
--    appear later at or below that point, and any event still to come carries a transaction id at or
--    above it, after every position already read. The cursor is the (xid, id) of the last event read;
--    see modules/stream/read-events.ts. An event waits on the stream until every transaction older
--    than its own has ended, so events arrive in the order their transactions started writing, which
--    is not always id order.
-- 2. Notifications are sent by the server after commit (Queryable.notify), outside the writer's
--    transaction. A notification lost to a crash between commit and send costs waiters a recheck
--    interval, never an event: they always re-read the database.
DROP TRIGGER events_take_id ON events;
DROP FUNCTION events_take_id();
ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq');

-- Events written before this migration all get the migration's own transaction id: they are
-- committed, and among themselves they keep their id order.
ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_org_xid_idx ON events (org_id, xid, id);
DROP INDEX events_org_idx;

-- The fan-out as in 003, without the NOTIFY, and recording for the rest of its transaction that it
-- queued a delivery: greenlight_create_approval (007) returns that, so the server wakes the delivery
-- worker for a create only then. Under create load almost no create queues one (only an org
-- subscribed to approval.created), and an empty claim of the outbox per create was a tenth of
-- Postgres's CPU per create (bench P2).
CREATE OR REPLACE FUNCTION events_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, subscription_id, url, headers)
  SELECT e.id, e.org_id, e.approval_id, e.type, 'callback', NULL, a.callback_url, COALESCE(a.callback_headers, '{}')
    FROM new_events e
    JOIN approvals a ON a.id = e.approval_id
   WHERE a.callback_url IS NOT NULL
     AND e.type IN ('approval.approved', 'approval.rejected', 'approval.cancelled', 'approval.expired')
  UNION ALL
  SELECT e.id, e.org_id, e.approval_id, e.type, 'subscription', s.id, s.url, '{}'
    FROM new_events e
    JOIN webhook_subscriptions s ON s.org_id = e.org_id AND s.status = 'active' AND e.type = ANY (s.events)
   ORDER BY 1;
  IF FOUND THEN
    PERFORM set_config('greenlight.fanned_out', 'on', true);
  END IF;
  RETURN NULL;
END
$$;
