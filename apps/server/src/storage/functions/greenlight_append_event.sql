-- One event appended in the caller's transaction (core/events.ts appendEvent), and whether its fan-out
-- (events_fan_out.sql) queued a delivery for a worker to send: the caller then wakes the delivery
-- workers (DELIVERIES_CHANNEL) once it commits. Every writer of events says so (the create, decision
-- and cancel statements read the same flag), so no worker looks for deliveries after an event that
-- queued none. A function because the fan-out trigger runs after the INSERT's RETURNING is formed; the
-- flag is read here, once it has run. PL/pgSQL keeps the INSERT's plan for the session.
CREATE OR REPLACE FUNCTION greenlight_append_event(
  p_org uuid, p_approval uuid, p_type text, p_actor_type text, p_actor_id uuid, p_actor_name text,
  p_from text, p_to text, p_data jsonb
) RETURNS TABLE (id text, fanned_out boolean) LANGUAGE plpgsql AS $$
DECLARE
  ev_id bigint;
BEGIN
  PERFORM set_config('greenlight.fanned_out', '', true);
  INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
  VALUES (p_org, p_approval, p_type, p_actor_type, p_actor_id, p_actor_name, p_from, p_to, p_data)
  RETURNING events.id INTO ev_id;
  RETURN QUERY SELECT ev_id::text, current_setting('greenlight.fanned_out', true) = 'on';
END
$$;
