-- Removing an event checks that no delivery still refers to it (deliveries.event_id is a foreign
-- key), and retention finds an event's deliveries by event id (storage/functions/greenlight_purge_closed.sql).
-- Without this index each of those reads the whole deliveries table, once per removed event, inside
-- the purge batch's transaction, which every request on the embedded database waits behind.
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
