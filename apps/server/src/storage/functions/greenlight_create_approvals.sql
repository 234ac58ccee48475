-- The create transition (core/approvals/state-machine.ts), for one request or many in one call.
--
-- p_items is a JSON array of new requests, each an object whose keys are the columns of `approvals`
-- it sets (core/approval-record.ts, NewApproval); `id` is chosen by the caller, so each answer row
-- finds its request. Columns it leaves out take the table's defaults: a request starts `pending`.
--
-- One row comes back per item, in their order (`ord`, from 0): whether its org accepts requests, its
-- `approval.created` event id, the new request as JSON (NULL when the org is stopped or the
-- idempotency key was already taken, within this batch too), whether the event queued a delivery for
-- the delivery worker, the `notify` row claimed for the caller (see below), if any, and for an item
-- with a `viewer` (the asker waiting for the answer, as core/approvals/rules.ts askerFacts gives it)
-- what they may do with the new request (`can_columns`, greenlight_viewer_can_asks) and, for a request
-- with steps (a flow's, or the item's own), its run's steps (`run_steps`, greenlight_run_steps), read
-- after every statement below has written: the creator's answer needs no statement of its own after
-- the commit.
--
-- One call, all or nothing (its statements are one statement to the caller):
-- - the org rows are read under a share lock, so the emergency stop is checked atomically with the
--   insert (a stop committed first is seen; a stop pressed later waits for this statement);
-- - a request is inserted unless its idempotency key is taken (ON CONFLICT waits for a concurrent
--   insert of the same key to commit or roll back);
-- - its event comes from the same RETURNING, so neither exists without the other, and its
--   subscriptions' deliveries are inserted here too (the fan-out trigger leaves `approval.created`
--   out: see events_fan_out.sql), and, for an item with `notify: true` (the caller sends email) or of an org with
--   a chat channel (greenlight_org_chats), the `notify` row that works out whom to tell when it is sent (notify/),
--   marked `named` for an item whose `named` says it names its approvers (create-batch.ts namesItsApprovers);
--   With an item's `claim_notify_ms` (the caller runs a delivery worker), that row is written claimed
--   for the caller's first attempt right after the commit, as greenlight_claim_deliveries claims
--   (`delivering`, attempt 1, a lease that long): the caller works out whom to tell without waiting for
--   a worker to wake and claim it; killed first, the row is claimed again when the lease ends. It comes
--   back as `notify` (the row as JSON), and `fanned_out` says only whether a delivery waits for a worker;
-- - a request with a callback_url and an item's `probe_after_ms` gets its waiter probe row, first due
--   that long after now (jobs/waiter-probes.ts);
-- - a run's steps: a flow's, or an item's `steps` (a routing rule's approvers);
-- - an item's `response_schema` is JSON text (a string), parsed into its json column here: a jsonb
--   parameter would have reordered its keys, which are the order of the form's fields;
-- - an item's `content_sha256` is set by the caller for a request that asks for no input (what a vote
--   without input approves: greenlight_decide's `fast`), from the values it sends;
-- - an item's `resume` ({engine, target}: a durable engine's resume target, target sealed) is its
--   engine_resumes row, so the request and what its outcome resumes commit together (channels/engines).
-- An error (an external_id taken, a text Postgres refuses) writes none of the batch; the caller then
-- writes each request on its own (core/approvals/create-batch.ts). Errors keep their SQLSTATE and constraint.
-- Requests are inserted in item order, so `seq`, the list order's tie-breaker, follows it. Two batches
-- holding the same idempotency keys in opposite orders can deadlock; Postgres then aborts one, and its
-- requests are written one by one like any failed batch.
--
-- PL/pgSQL keeps the statement's plan for the session: a plain statement was parsed and planned on
-- every call (PGlite's protocol has no named prepared statements). The row comes back as one JSON
-- value: a driver parses that much faster than the row as typed columns.
CREATE OR REPLACE FUNCTION greenlight_create_approvals(p_items jsonb)
RETURNS TABLE (ord integer, org_open boolean, event_id bigint, approval json, fanned_out boolean, notify json, can_columns json, run_steps json) LANGUAGE plpgsql
-- Its statement's plan does not depend on the parameter's value (every row estimate comes from the
-- JSON's functions, the same whatever it holds), yet Postgres planned the first five calls of each
-- connection for their values before it kept the generic plan (2.7 ms each to plan, 1.2 to run, one
-- request at a time), and the pool opens connections again after idle spells. Planned once per connection.
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
DECLARE
  -- Each item's answer, kept until the statements after the insert have run (greenlight_created: migrations).
  answers greenlight_created[];
  -- What the items' viewers ask (greenlight_viewer_can_asks), each with its item's `ord` and request id.
  asks jsonb;
BEGIN
  WITH items AS (
    SELECT (i.ordinality - 1)::integer AS ord, i.*,
           coalesce((p_items -> (i.ordinality - 1)::integer ->> 'notify')::boolean, false) AS notify,
           -- It names its approvers (core/approvals/create-batch.ts namesItsApprovers): told at once.
           coalesce((p_items -> (i.ordinality - 1)::integer ->> 'named')::boolean, false) AS named,
           (p_items -> (i.ordinality - 1)::integer ->> 'probe_after_ms')::float8 AS probe_after_ms,
           now() + (p_items -> (i.ordinality - 1)::integer ->> 'claim_notify_ms')::float8 * interval '1 millisecond' AS notify_lease,
           p_items -> (i.ordinality - 1)::integer -> 'steps' AS steps,
           p_items -> (i.ordinality - 1)::integer -> 'resume' AS resume,
           -- Sent as JSON text, so its keys keep the order they were written in (the column is json).
           (p_items -> (i.ordinality - 1)::integer ->> 'response_schema')::json AS schema_text
      FROM jsonb_populate_recordset(NULL::approvals, p_items) WITH ORDINALITY AS i
  ), o AS (
    -- Each org by its key (LATERAL … OFFSET 0), as every table this function reads: its plans are kept
    -- for the connection, and the JSON's functions guess a hundred items, for which a plan made on a
    -- small table (or any table of a few thousand orgs) read and hashed the whole table at every create.
    SELECT lo.id FROM (SELECT DISTINCT items.org_id FROM items) AS io,
           LATERAL (SELECT orgs.id FROM orgs WHERE orgs.id = io.org_id AND NOT orgs.emergency_stop OFFSET 0 FOR SHARE) AS lo
  ), ins AS (
    INSERT INTO approvals (id, org_id, connection_id, requested_by_type, requested_by_id, requested_by_name, title, description,
                           priority, action_type, source, metadata, required_approvals, is_sequential, callback_url,
                           callback_headers, external_id, idempotency_key, request_fingerprint, tags, changes, resource,
                           expires_at, on_expiry, redact, flow_id, flow_version, run_expires_at, routing, revocable_for_seconds,
                           created_via, response_schema, editable, content_sha256)
    SELECT i.id, o.id, i.connection_id, i.requested_by_type, i.requested_by_id, i.requested_by_name, i.title, i.description,
           i.priority, i.action_type, i.source, i.metadata, i.required_approvals, i.is_sequential, i.callback_url,
           i.callback_headers, i.external_id, i.idempotency_key, i.request_fingerprint, i.tags, i.changes, i.resource,
           -- A run's deadline is the nearer of its own and its first step's time limit (greenlight_decide
           -- moves it on as each step becomes active).
           CASE WHEN fv.flow_id IS NULL THEN i.expires_at
                ELSE LEAST(i.expires_at, now() + make_interval(secs => (fv.definition -> 'steps' -> 0 ->> 'time_limit_seconds')::integer)) END,
           i.on_expiry, COALESCE(i.redact, '{}'), fv.flow_id, fv.version, CASE WHEN fv.flow_id IS NULL THEN NULL ELSE i.expires_at END,
           i.routing, i.revocable_for_seconds, COALESCE(i.created_via, 'v1'), i.schema_text, COALESCE(i.editable, '{}'),
           i.content_sha256
      FROM items i JOIN o ON o.id = i.org_id
      LEFT JOIN LATERAL (SELECT * FROM flow_versions WHERE flow_id = i.flow_id AND version = i.flow_version OFFSET 0) AS fv ON true
     ORDER BY i.ord
    ON CONFLICT (org_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING *
  ), ev AS (
    -- Whoever asked is the actor; the event names what a list of events shows without the request.
    INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
    SELECT ins.org_id, ins.id, 'approval.created', ins.requested_by_type, ins.requested_by_id, ins.requested_by_name,
           NULL, 'pending', jsonb_build_object('title', ins.title, 'priority', ins.priority)
             || CASE WHEN ins.routing IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('routing', ins.routing) END
      FROM ins JOIN items i ON i.id = ins.id
     ORDER BY i.ord
    RETURNING id, org_id, approval_id
  ), fan AS (
    INSERT INTO deliveries AS d (event_id, org_id, approval_id, event_type, channel, kind, payload, status, attempts, lease_until, next_attempt_at)
    SELECT f.* FROM (
      SELECT ev.id, ev.org_id, ev.approval_id, 'approval.created', 'webhook', 'subscription', jsonb_build_object('url', s.url, 'subscription_id', s.id),
             'pending', 0, NULL::timestamptz, now()
        FROM ev
        JOIN webhook_subscriptions s ON s.org_id = ev.org_id AND s.status = 'active' AND 'approval.created' = ANY (s.events)
      UNION ALL
      SELECT ev.id, ev.org_id, ev.approval_id, 'approval.created', 'notify', greenlight_notification_kind('approval.created'),
             -- It names its approvers: its steps are written below, in this call (notify/notify-spec.ts).
             CASE WHEN i.named THEN '{"named": true}'::jsonb ELSE '{}'::jsonb END,
             c.status, c.attempts, c.lease_until, c.next_attempt_at
        FROM ev JOIN items i ON i.id = ev.approval_id, LATERAL greenlight_claim_state(0, now(), i.notify_lease) c
       WHERE i.notify OR greenlight_org_chats(ev.org_id)
    ) f (event_id, org_id, approval_id, event_type, channel, kind, payload, status, attempts, lease_until, next_attempt_at)
     ORDER BY f.event_id
    RETURNING d.approval_id, CASE WHEN d.status = 'delivering' THEN to_json(d) END AS claimed
  )
  SELECT array_agg(ROW(i.ord, o.id IS NOT NULL, ev.id, to_json(ins), EXISTS (SELECT 1 FROM fan WHERE fan.approval_id = i.id AND fan.claimed IS NULL),
                       (SELECT fan.claimed FROM fan WHERE fan.approval_id = i.id AND fan.claimed IS NOT NULL LIMIT 1))::greenlight_created ORDER BY i.ord)
    INTO answers
    FROM items i
    LEFT JOIN o ON o.id = i.org_id
    LEFT JOIN ins ON ins.id = i.id
    LEFT JOIN ev ON ev.approval_id = i.id;

  -- What only some requests have, each in a statement of its own that runs only when an item has it
  -- (a statement's start opens every table it may write, and these three cost every create 0.05 ms
  -- when they were parts of the statement above). Each sees the requests that statement wrote, and
  -- only those: an item's id is new, so no request of another statement has it. Each finds them by
  -- their primary key, one item at a time (LATERAL … OFFSET 0, see `o` above).
  IF jsonb_path_exists(p_items, '$[*] ? (@.steps.type() == "array" || @.flow_id != null)') THEN
    -- A run's steps, copied from the flow version it starts (later versions never change them), or
    -- given with the item (a routing rule's approvers), in the flow definition's shape.
    INSERT INTO approval_steps (approval_id, org_id, step_order, name, approver_ids, team_ids, quorum, time_limit_seconds)
    SELECT r.id, r.org_id, st.ord::integer, st.step ->> 'name',
           ARRAY(SELECT jsonb_array_elements_text(st.step -> 'user_ids'))::uuid[],
           ARRAY(SELECT jsonb_array_elements_text(st.step -> 'team_ids'))::uuid[],
           (st.step ->> 'quorum')::integer, (st.step ->> 'time_limit_seconds')::integer
      FROM (SELECT a.id, a.org_id, CASE WHEN a.flow_id IS NULL THEN i.steps ELSE fv.definition -> 'steps' END AS steps
              FROM jsonb_to_recordset(p_items) AS i (id uuid, steps jsonb)
              JOIN LATERAL (SELECT * FROM approvals WHERE approvals.id = i.id OFFSET 0) a ON true
              LEFT JOIN LATERAL (SELECT * FROM flow_versions WHERE flow_id = a.flow_id AND version = a.flow_version OFFSET 0) fv ON true) AS r,
           jsonb_array_elements(r.steps) WITH ORDINALITY AS st (step, ord)
     WHERE jsonb_typeof(r.steps) = 'array';
  END IF;
  -- A request with a callback_url and an item's `probe_after_ms`: its waiter probe row.
  IF jsonb_path_exists(p_items, '$[*] ? (@.callback_url != null && @.probe_after_ms != null)') THEN
    INSERT INTO waiter_probes (approval_id, org_id, next_probe_at)
    SELECT a.id, a.org_id, now() + i.probe_after_ms * interval '1 millisecond'
      FROM jsonb_to_recordset(p_items) AS i (id uuid, probe_after_ms float8)
      JOIN LATERAL (SELECT * FROM approvals WHERE approvals.id = i.id OFFSET 0) a ON true
     WHERE a.callback_url IS NOT NULL AND i.probe_after_ms IS NOT NULL;
  END IF;
  -- An item's `resume`: its engine_resumes row.
  IF jsonb_path_exists(p_items, '$[*] ? (@.resume.type() == "object")') THEN
    INSERT INTO engine_resumes (approval_id, org_id, engine, target)
    SELECT a.id, a.org_id, i.resume ->> 'engine', i.resume ->> 'target'
      FROM jsonb_to_recordset(p_items) AS i (id uuid, resume jsonb)
      JOIN LATERAL (SELECT * FROM approvals WHERE approvals.id = i.id OFFSET 0) a ON true
     WHERE jsonb_typeof(i.resume) = 'object';
  END IF;

  -- The answers, each with what its viewer may do with the request as it now stands (its steps
  -- written): the rule's one statement for every item that names a viewer. An item whose request was
  -- not written (the org stopped, the key taken) finds no request there, and no answer.
  IF jsonb_path_exists(p_items, '$[*] ? (@.viewer.type() == "object")') THEN
    -- Passed as a value, not a subquery: the rule's statement is then inlined into this one.
    asks := (SELECT jsonb_agg((x.item -> 'viewer') || jsonb_build_object('ord', x.n - 1, 'id', x.item -> 'id'))
               FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x (item, n)
              WHERE jsonb_typeof(x.item -> 'viewer') = 'object');
    RETURN QUERY
    SELECT r.ord, r.org_open, r.event_id, r.approval, r.fanned_out, r.notify, c.can_columns,
           CASE WHEN c.can_columns IS NOT NULL
                 AND ((p_items -> r.ord ->> 'flow_id') IS NOT NULL OR jsonb_typeof(p_items -> r.ord -> 'steps') = 'array')
                THEN greenlight_run_steps(c.id) END
      FROM unnest(answers) AS r
      LEFT JOIN greenlight_viewer_can_asks(asks) AS c ON c.ord = r.ord
     ORDER BY r.ord;
  ELSE
    RETURN QUERY SELECT r.ord, r.org_open, r.event_id, r.approval, r.fanned_out, r.notify, NULL::json, NULL::json FROM unnest(answers) AS r ORDER BY r.ord;
  END IF;
END
$$;
