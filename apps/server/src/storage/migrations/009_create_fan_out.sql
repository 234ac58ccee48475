-- Issue 10: a create's fan-out in its own statement, and no trigger call for it.
--
-- The fan-out trigger (003, 005) ran for every statement that inserted events, capturing the new rows
-- in a transition table and running a PL/pgSQL function over them. For a create, the hottest write,
-- that was a tenth of Postgres's CPU per create under load (perf, bench/README.md P1), although a
-- create queues a delivery only when its org subscribed to approval.created: `approval.created` has no
-- callback, a callback gets only a request's final outcome.
--
-- So `approval.created` events are fanned out by greenlight_create_approval itself, the only writer
-- of that type, in the same statement that inserts the request and its event; the trigger becomes a
-- row trigger whose WHEN clause leaves that type out, so a create never calls it. Every other event
-- (decisions, votes, steps, comments, cancellation, the expiry sweep) is fanned out by the trigger as
-- before, row by row in insert order, still inside the statement that inserts it, and still
-- recording for the rest of its transaction that it queued a delivery (greenlight_decide reads that).
DROP TRIGGER events_fan_out ON events;
DROP FUNCTION events_fan_out();

CREATE FUNCTION events_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, subscription_id, url, headers)
  SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'callback', NULL, a.callback_url, COALESCE(a.callback_headers, '{}')
    FROM approvals a
   WHERE a.id = NEW.approval_id
     AND a.callback_url IS NOT NULL
     AND NEW.type IN ('approval.approved', 'approval.rejected', 'approval.cancelled', 'approval.expired')
  UNION ALL
  SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'subscription', s.id, s.url, '{}'
    FROM webhook_subscriptions s
   WHERE s.org_id = NEW.org_id AND s.status = 'active' AND NEW.type = ANY (s.events);
  IF FOUND THEN
    PERFORM set_config('greenlight.fanned_out', 'on', true);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER events_fan_out AFTER INSERT ON events
  FOR EACH ROW WHEN (NEW.type <> 'approval.created') EXECUTE FUNCTION events_fan_out();

-- As in 007, plus the subscriptions' deliveries of the new event (`fan`), and `fanned_out` from that
-- instead of from the trigger's setting. Still one statement: the request, its event and their
-- deliveries exist together or not at all.
CREATE OR REPLACE FUNCTION greenlight_create_approval(
  p_org uuid, p_connection uuid, p_by_type text, p_by_id uuid, p_by_name text, p_title text, p_description text,
  p_priority text, p_action_type text, p_source text, p_metadata jsonb, p_required integer, p_sequential boolean,
  p_callback_url text, p_callback_headers jsonb, p_external_id text, p_key text, p_fingerprint text, p_tags jsonb,
  p_changes jsonb, p_resource jsonb, p_expires_at timestamptz, p_event_data jsonb, p_on_expiry text
) RETURNS TABLE (org_open boolean, event_id bigint, approval approvals, fanned_out boolean) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH o AS (
    SELECT id FROM orgs WHERE id = p_org AND NOT emergency_stop FOR SHARE
  ), ins AS (
    INSERT INTO approvals (org_id, connection_id, requested_by_type, requested_by_id, requested_by_name, title, description,
                           priority, action_type, source, metadata, required_approvals, is_sequential, callback_url,
                           callback_headers, external_id, idempotency_key, request_fingerprint, tags, changes, resource,
                           expires_at, on_expiry)
    SELECT o.id, p_connection, p_by_type, p_by_id, p_by_name, p_title, p_description, p_priority, p_action_type, p_source,
           p_metadata, p_required, p_sequential, p_callback_url, p_callback_headers, p_external_id, p_key, p_fingerprint,
           p_tags, p_changes, p_resource, p_expires_at, p_on_expiry
      FROM o
    ON CONFLICT ON CONSTRAINT approvals_idempotency_key DO NOTHING
    RETURNING *
  ), ev AS (
    INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
    SELECT ins.org_id, ins.id, 'approval.created', p_by_type, p_by_id, p_by_name, NULL, 'pending', p_event_data FROM ins
    RETURNING id, org_id, approval_id
  ), fan AS (
    INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, subscription_id, url, headers)
    SELECT ev.id, ev.org_id, ev.approval_id, 'approval.created', 'subscription', s.id, s.url, '{}'
      FROM ev
      JOIN webhook_subscriptions s ON s.org_id = ev.org_id AND s.status = 'active' AND 'approval.created' = ANY (s.events)
    RETURNING 1
  )
  SELECT EXISTS (SELECT 1 FROM o), (SELECT ev.id FROM ev), (SELECT ins::approvals FROM ins), EXISTS (SELECT 1 FROM fan);
END
$$;
