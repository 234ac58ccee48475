-- Issue 10: creates that arrive together are written by one statement.
--
-- Under load most of a create's cost on Postgres is not its rows but the statement around them:
-- starting the executor over a plan that opens eleven indexes, the function call, the commit and its
-- WAL flush, the round trip (bench/README.md, P1). greenlight_create_approvals does what 007/009's
-- greenlight_create_approval does, for many requests in one statement, so those costs are paid once
-- per batch (modules/approvals/create-batch.ts gathers the requests that are waiting).
--
-- p_items is a JSON array, one object per request with the keys of the columns below; `ord` numbers
-- them and `id` is the new request's id (chosen by the caller, so each answer row finds its request).
-- One row comes back per item, in `ord` order: whether its org accepts requests, its event id, the new
-- request as JSON (NULL when the org is stopped or the idempotency key was already taken, inside this
-- batch included), and whether the event queued a delivery.
--
-- All or nothing, like any statement: an error (an external_id taken, a NUL in a text) writes none of
-- the batch, and the caller then writes each request on its own, so each gets its own answer.
-- Requests are inserted in the order they arrived (so `seq`, the list order's tie-breaker, follows it).
-- Two batches that hold the same idempotency keys in opposite orders could deadlock; Postgres then
-- aborts one statement, and its requests are written one by one like any failed batch.
CREATE FUNCTION greenlight_create_approvals(p_items jsonb)
RETURNS TABLE (ord integer, org_open boolean, event_id bigint, approval json, fanned_out boolean) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH items AS (
    SELECT * FROM jsonb_to_recordset(p_items) AS x(
      ord integer, id uuid, org uuid, connection uuid, by_type text, by_id uuid, by_name text, title text, description text,
      priority text, action_type text, source text, metadata jsonb, required integer, sequential boolean, callback_url text,
      callback_headers jsonb, external_id text, key text, fingerprint text, tags jsonb, changes jsonb, resource jsonb,
      expires_at timestamptz, event_data jsonb, on_expiry text)
  ), o AS (
    SELECT orgs.id FROM orgs WHERE orgs.id IN (SELECT items.org FROM items) AND NOT orgs.emergency_stop FOR SHARE
  ), ins AS (
    INSERT INTO approvals (id, org_id, connection_id, requested_by_type, requested_by_id, requested_by_name, title, description,
                           priority, action_type, source, metadata, required_approvals, is_sequential, callback_url,
                           callback_headers, external_id, idempotency_key, request_fingerprint, tags, changes, resource,
                           expires_at, on_expiry)
    SELECT i.id, o.id, i.connection, i.by_type, i.by_id, i.by_name, i.title, i.description, i.priority, i.action_type, i.source,
           i.metadata, i.required, i.sequential, i.callback_url, i.callback_headers, i.external_id, i.key, i.fingerprint,
           i.tags, i.changes, i.resource, i.expires_at, i.on_expiry
      FROM items i JOIN o ON o.id = i.org
     ORDER BY i.ord
    ON CONFLICT ON CONSTRAINT approvals_idempotency_key DO NOTHING
    RETURNING *
  ), ev AS (
    INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
    SELECT ins.org_id, ins.id, 'approval.created', i.by_type, i.by_id, i.by_name, NULL, 'pending', i.event_data
      FROM ins JOIN items i ON i.id = ins.id
     ORDER BY i.ord
    RETURNING id, org_id, approval_id
  ), fan AS (
    INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, subscription_id, url, headers)
    SELECT ev.id, ev.org_id, ev.approval_id, 'approval.created', 'subscription', s.id, s.url, '{}'
      FROM ev
      JOIN webhook_subscriptions s ON s.org_id = ev.org_id AND s.status = 'active' AND 'approval.created' = ANY (s.events)
     ORDER BY ev.id
    RETURNING approval_id
  )
  SELECT i.ord, o.id IS NOT NULL, ev.id, to_json(ins), EXISTS (SELECT 1 FROM fan WHERE fan.approval_id = i.id)
    FROM items i
    LEFT JOIN o ON o.id = i.org
    LEFT JOIN ins ON ins.id = i.id
    LEFT JOIN ev ON ev.approval_id = i.id
   ORDER BY i.ord;
END
$$;
