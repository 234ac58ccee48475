-- Issue 10: the create statement (modules/approvals/create-approval.ts) as a function.
--
-- Creating a request is the hottest write. As a plain statement it was parsed and planned on every
-- call: a tenth of its cost on Postgres and about half on PGlite, whose protocol has no named prepared
-- statements (bench P5). PL/pgSQL keeps the plan of the statement inside the function for the session,
-- so a call only plans `SELECT … FROM greenlight_create_approval(…)`.
--
-- One statement, as before: the org row is read under a share lock so the emergency stop is checked
-- atomically with the insert (a stop committed first is seen; a stop pressed later waits for this
-- insert); the request is inserted unless its idempotency key is taken; its `approval.created` event
-- comes from the same RETURNING, so neither exists without the other. Errors keep their SQLSTATE and
-- constraint name (the caller maps 23505 on approvals_external_id_key, 22P05 and 22021).
-- Returns one row: whether the org accepts requests, the event id, the request (NULL when the org is
-- stopped or the idempotency key was already taken), and whether the event queued a delivery (the
-- fan-out trigger's flag, see 005), so the server wakes the delivery worker only then.
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
