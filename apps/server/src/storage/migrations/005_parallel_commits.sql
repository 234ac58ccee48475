-- Gap safety for readers that follow an org's events by id (GET /api/v1/events), with writers that
-- commit in any order.
--
-- An event id is taken when the row is inserted, not when its transaction commits: transaction A can
-- take id 10, B take id 11 and commit first, and a reader that saw 11 and moved its cursor past it
-- would never see 10. Making writers of an org take ids in commit order (a per-org lock held until
-- commit) made their commits wait for each other's WAL flush. Instead every event records the id of
-- the transaction that wrote it (`xid`), and a reader follows an org's events in (xid, id) order,
-- reading only events whose transaction is older than its snapshot's xmin: every such transaction has
-- ended, so no event can appear later at or below that point, and any event still to come carries a
-- transaction id at or above it (modules/stream/read-events.ts).
DROP TRIGGER IF EXISTS events_take_id ON events;
DROP FUNCTION IF EXISTS events_take_id();
ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq');

-- Events written before this column existed all get this migration's transaction id: they are
-- committed, and among themselves they keep their id order.
ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_org_xid_idx ON events (org_id, xid, id);
DROP INDEX events_org_idx;
