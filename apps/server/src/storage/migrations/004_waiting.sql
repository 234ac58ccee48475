-- Issue 3, waiting and decision integrity: the expiry policy, and event ids that a reader can
-- follow without ever skipping an event.

-- What the sweeper does with a request still pending at expires_at.
ALTER TABLE approvals
  ADD COLUMN on_expiry text NOT NULL DEFAULT 'expire' CHECK (on_expiry IN ('expire', 'approve', 'reject'));

-- Gap safety for readers that follow an org's events by id (GET /api/v1/events).
--
-- With an identity column, an event id is taken when the row is inserted, not when its transaction
-- commits: transaction A can take id 10, B take id 11 and commit first. A reader that saw 11 and
-- moved its cursor past it would never see 10. (Snapshot arithmetic does not rescue this: a snapshot's
-- xmax is one past the last *completed* transaction, so it cannot bound the transactions that took
-- ids before a row did.)
--
-- So ids are taken in commit order within an org instead: the row trigger below takes a transaction-
-- level advisory lock on the row's org and only then takes the id. A second transaction writing
-- events of the same org waits at that lock until the first one commits or rolls back, and takes its
-- id after that. Hence, within one org, once id N is visible every lower id of the org is committed
-- (and visible) or rolled back (and never will be): a reader reads `id > cursor` and can never skip.
--
-- The cost: transactions of one org serialize from their first event to their commit. Events are
-- written at the end of Greenlight's transactions, after their row locks, so that is the event
-- insert, the fan-out trigger and the commit (about a millisecond); other orgs are not affected.
-- Lock order, to stay free of deadlocks: row locks first, events last, and a transaction that writes
-- events of several orgs (the expiry sweep) writes them in org order.
ALTER TABLE events ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE events_id_seq OWNED BY events.id;
SELECT setval('events_id_seq', coalesce(max(id), 0) + 1, false) FROM events;

-- Always assigns the id (an id given by the inserter is overwritten), as GENERATED ALWAYS did.
CREATE FUNCTION events_take_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7215004, hashtext(NEW.org_id::text));
  NEW.id := nextval('events_id_seq');
  RETURN NEW;
END
$$;
CREATE TRIGGER events_take_id BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION events_take_id();
