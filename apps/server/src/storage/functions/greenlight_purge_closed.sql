-- Retention: removes at most p_limit requests that left `pending` (decided, cancelled or expired)
-- before p_before, oldest first, with everything that refers to them: votes, steps, comments, their
-- events and those events' deliveries with every attempt, the decision links of its emails and its
-- sent messages. A request with a delivery still pending or in flight waits for a later batch. Rows
-- another transaction holds are skipped, not waited for.
--
-- Each org whose requests go gets one `retention.purged` entry in its audit log (the shape of
-- core/audit.ts's entries, actor the system named `retention`): how many requests, comments, events
-- and deliveries, when the oldest was created and the newest closed, and p_older_than_days. Returns
-- one row per such org with how many requests it lost.
--
-- A batch is this one statement: removed and recorded in its own transaction, or neither, and on the
-- embedded database (one connection) it holds the database for this statement alone, with no round
-- trip to the server's thread in between (modules/approvals/retention.ts sizes batches by that time).
--
-- The events table refuses deletes (events_append_only.sql) except inside this function, which says
-- so with a transaction-local setting: that guards against a stray DELETE, not against someone who
-- can drop the trigger.
CREATE OR REPLACE FUNCTION greenlight_purge_closed(p_before timestamptz, p_limit integer, p_older_than_days integer)
RETURNS TABLE (org_id uuid, requests integer)
LANGUAGE plpgsql AS $$
DECLARE
  ids uuid[];
  event_ids bigint[];
  delivery_ids uuid[];
BEGIN
  SELECT coalesce(array_agg(a.id), '{}') INTO ids FROM (
    SELECT r.id FROM approvals r
     WHERE r.status <> 'pending'
       AND coalesce(r.decided_at, r.cancelled_at, r.expired_at) < p_before
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.approval_id = r.id AND d.status IN ('pending', 'delivering'))
     ORDER BY coalesce(r.decided_at, r.cancelled_at, r.expired_at)
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  ) a;
  IF cardinality(ids) = 0 THEN
    RETURN;
  END IF;
  SELECT coalesce(array_agg(e.id), '{}') INTO event_ids FROM events e WHERE e.approval_id = ANY (ids);
  SELECT coalesce(array_agg(d.id), '{}') INTO delivery_ids FROM deliveries d
   WHERE d.event_id = ANY (event_ids) OR d.approval_id = ANY (ids);

  RETURN QUERY
    INSERT INTO audit_log (org_id, type, actor_type, actor_name, details)
    SELECT r.org_id, 'retention.purged', 'system', 'retention',
           jsonb_build_object(
             'requests', count(*),
             'comments', (SELECT count(*) FROM comments c WHERE c.approval_id = ANY (ids) AND c.org_id = r.org_id),
             'events', (SELECT count(*) FROM events e WHERE e.id = ANY (event_ids) AND e.org_id = r.org_id),
             'deliveries', (SELECT count(*) FROM deliveries d WHERE d.id = ANY (delivery_ids) AND d.org_id = r.org_id),
             'oldest_created_at', to_char(min(r.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'newest_closed_at', to_char(max(coalesce(r.decided_at, r.cancelled_at, r.expired_at)) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'older_than_days', p_older_than_days)
      FROM approvals r WHERE r.id = ANY (ids) GROUP BY r.org_id
    RETURNING audit_log.org_id, (audit_log.details->>'requests')::int;

  PERFORM set_config('greenlight.purging', 'on', true);
  DELETE FROM decision_links l WHERE l.approval_id = ANY (ids);
  DELETE FROM sent_messages m WHERE m.approval_id = ANY (ids);
  DELETE FROM delivery_attempts t WHERE t.delivery_id = ANY (delivery_ids);
  DELETE FROM deliveries d WHERE d.id = ANY (delivery_ids);
  DELETE FROM events e WHERE e.id = ANY (event_ids);
  DELETE FROM comments c WHERE c.approval_id = ANY (ids);
  DELETE FROM approval_votes v WHERE v.approval_id = ANY (ids);
  DELETE FROM approval_steps s WHERE s.approval_id = ANY (ids);
  DELETE FROM approvals r WHERE r.id = ANY (ids);
  PERFORM set_config('greenlight.purging', 'off', true);
END
$$;
