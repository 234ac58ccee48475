-- Issue 10: tell the create path whether its event queued any delivery.
--
-- Every committed event used to wake the delivery worker, which then asked the outbox for due rows.
-- Most events are creates, and a create queues a delivery only for an org subscribed to
-- approval.created, so under create load nearly every one of those claims found nothing: a tenth of
-- Postgres's CPU per create (bench P2). The fan-out trigger now records, for the rest of its
-- transaction, that it queued something, and greenlight_create_approval returns it, so the server
-- wakes the worker only then (the worker ignores the announcements of creates; see delivery/worker.ts).
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

-- As in 007, plus `fanned_out`.
DROP FUNCTION greenlight_create_approval;
CREATE FUNCTION greenlight_create_approval(
  p_org uuid, p_connection uuid, p_by_type text, p_by_id uuid, p_by_name text, p_title text, p_description text,
  p_priority text, p_action_type text, p_source text, p_metadata jsonb, p_required integer, p_sequential boolean,
  p_callback_url text, p_callback_headers jsonb, p_external_id text, p_key text, p_fingerprint text, p_tags jsonb,
  p_changes jsonb, p_resource jsonb, p_expires_at timestamptz, p_event_data jsonb, p_on_expiry text
) RETURNS TABLE (org_open boolean, event_id bigint, approval approvals, fanned_out boolean) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  res record;
BEGIN
  PERFORM set_config('greenlight.fanned_out', '', true);
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
    RETURNING id
  )
  SELECT EXISTS (SELECT 1 FROM o) AS org_open, (SELECT ev.id FROM ev) AS event_id, (SELECT ins::approvals FROM ins) AS approval
    INTO res;
  -- The statement's fan-out trigger has run by now: it says whether it queued any delivery.
  RETURN QUERY SELECT res.org_open, res.event_id, res.approval, current_setting('greenlight.fanned_out', true) = 'on';
END
$$;
