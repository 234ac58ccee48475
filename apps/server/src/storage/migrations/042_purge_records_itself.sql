-- Retention's purge function now writes the batch's audit entries itself and takes the retention
-- period for them (functions/greenlight_purge_closed.sql), so a batch is one statement. Its arguments
-- and result change, which CREATE OR REPLACE cannot do: the old one goes first. A process of the
-- previous version still running during an upgrade finds no purge function; its retention job logs
-- the failure each sweep and serves requests as before until it is replaced.
DROP FUNCTION IF EXISTS greenlight_purge_closed(timestamptz, integer);
