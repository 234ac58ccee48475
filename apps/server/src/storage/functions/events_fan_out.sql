-- Fan-out: the outbox rows of an event, inserted by the statement that inserts the event, whatever
-- code path that is (a decision, a cancellation, a comment, the expiry sweep, a failed delivery), so
-- an event and its deliveries commit together or not at all (delivery/outbox/). Each row names its
-- channel and kind (storage/migrations/050_typed_outbox.sql):
--
-- - webhook/callback: the request's callback_url gets the events of the contract's
--   CALLBACK_EVENT_TYPES (greenlight_callback_event_types, generated from it), with the request's
--   callback headers, still sealed. While its transaction's `greenlight.claim_callback_ms` is set (a
--   decision whose caller makes the first attempt: greenlight_decide.sql), the row is written
--   claimed for that long (greenlight_claim_state), as a claim would leave it, without a second write;
-- - webhook/subscription: each active subscription of the org that chose the type;
-- - notify: an event that may change who is told something (greenlight_notification_kind) gets the
--   row that works it out when it is sent (notify/), when someone can be told: the writer sends email
--   (it sets greenlight.notify for its transaction) or the org has a chat channel (greenlight_org_chats);
-- - an event that ends the request (greenlight_final_event_types) rewrites every message posted for
--   it, whatever channel posted it (greenlight_queue_message_updates);
-- - github/deployment_review: the decision of a request made for a GitHub deployment protection rule
--   (github_deployment_reviews), once per request, unless its run was cancelled on GitHub.
-- - engines/resume: the durable engine a request names as its resume target (engine_resumes), once per
--   request, with its outcome as it is when sent (channels/engines).
--
-- `approval.created` is left out by the trigger's WHEN clause: only the create statement writes it
-- (greenlight_create_approvals), and fans it out itself in the same statement. A create is the
-- hottest write, and a trigger call per created row was a tenth of Postgres's CPU per create.
--
-- The trigger records for the rest of its transaction that it queued a delivery a worker is to send
-- (`greenlight.fanned_out`), so a decision can tell its caller to wake the delivery worker only then,
-- and the callback row it wrote claimed, as JSON (`greenlight.claimed_callback`), which the decision
-- hands to its caller: the decision reads neither back from the outbox (two lookups fewer on its way
-- to the callback).
-- No NOTIFY here: a NOTIFY takes the cluster's notification lock at commit and holds it through the
-- WAL flush, serializing every notifying commit; the server notifies after commit instead.
-- Which kinds of row the event has is read first, in one statement for all of them (`need`); each kind
-- with a row to write is then its own statement. One statement writing all three kinds set up all
-- three for every event, which cost a decision 0.015–0.035 ms more of its 0.93–0.95; a statement per
-- kind to find out whether it has a row makes a decision's event, which mostly has none but its
-- callback's, run two or three statements more (bench/decide-warm.ts counts them; their time is
-- below what that bench can tell apart on a noisy host).
CREATE OR REPLACE FUNCTION events_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  queued boolean := false;
  claimed json;
  notify_kind text := greenlight_notification_kind(NEW.type);
  need record;
BEGIN
  SELECT NEW.approval_id IS NOT NULL AND NEW.type = ANY (greenlight_callback_event_types())
           AND EXISTS (SELECT 1 FROM approvals a WHERE a.id = NEW.approval_id AND a.callback_url IS NOT NULL) AS callback,
         EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.org_id = NEW.org_id AND s.status = 'active' AND NEW.type = ANY (s.events)) AS subscriptions,
         notify_kind IS NOT NULL AND (current_setting('greenlight.notify', true) = 'on' OR greenlight_org_chats(NEW.org_id)) AS notify,
         NEW.approval_id IS NOT NULL AND NEW.type IN ('approval.approved', 'approval.rejected', 'approval.expired', 'approval.cancelled')
           AND (EXISTS (SELECT 1 FROM github_deployment_reviews g WHERE g.approval_id = NEW.approval_id AND g.run_cancelled_at IS NULL)
                OR EXISTS (SELECT 1 FROM engine_resumes r WHERE r.approval_id = NEW.approval_id)) AS resume,
         NEW.approval_id IS NOT NULL AND NEW.type = ANY (greenlight_final_event_types())
           AND EXISTS (SELECT 1 FROM sent_messages m WHERE m.approval_id = NEW.approval_id) AS messages
    INTO need;
  IF need.callback THEN
    WITH q AS (
      INSERT INTO deliveries (event_id, org_id, approval_id, event_type, channel, kind, payload, sealed, status, attempts, lease_until, next_attempt_at)
      SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'webhook', 'callback', jsonb_build_object('url', a.callback_url),
             NULLIF(a.callback_headers, '{}'::jsonb), c.status, c.attempts, c.lease_until, c.next_attempt_at
        FROM approvals a,
             greenlight_claim_state(0, now(), now() + NULLIF(current_setting('greenlight.claim_callback_ms', true), '')::float8 * interval '1 millisecond') c
       WHERE a.id = NEW.approval_id
         AND a.callback_url IS NOT NULL
      RETURNING *)
    SELECT q.status = 'pending', CASE WHEN q.status = 'delivering' THEN to_json(q) END INTO queued, claimed FROM q;
    queued := coalesce(queued, false);
  END IF;
  IF need.subscriptions THEN
    INSERT INTO deliveries (event_id, org_id, approval_id, event_type, channel, kind, payload, sealed, status, attempts, lease_until, next_attempt_at)
    SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'webhook', 'subscription', jsonb_build_object('url', s.url, 'subscription_id', s.id), NULL,
           'pending', 0, NULL, now()
      FROM webhook_subscriptions s
     WHERE s.org_id = NEW.org_id AND s.status = 'active' AND NEW.type = ANY (s.events);
    queued := FOUND OR queued;
  END IF;
  IF need.notify THEN
    INSERT INTO deliveries (event_id, org_id, approval_id, event_type, channel, kind, payload, sealed, status, attempts, lease_until, next_attempt_at)
    VALUES (NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'notify', notify_kind, '{}'::jsonb, NULL, 'pending', 0, NULL, now());
    queued := true;
  END IF;
  IF claimed IS NOT NULL THEN
    PERFORM set_config('greenlight.claimed_callback', claimed::text, true);
  END IF;
  IF need.resume THEN
    INSERT INTO deliveries (event_id, org_id, approval_id, event_type, channel, kind, payload, dedupe_key)
    SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'github', 'deployment_review', jsonb_build_object('review_id', g.id), 'deployment_review:' || g.approval_id
      FROM github_deployment_reviews g
     WHERE g.approval_id = NEW.approval_id AND g.run_cancelled_at IS NULL
    UNION ALL
    SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'engines', 'resume', jsonb_build_object('engine', r.engine), 'engine_resume:' || r.approval_id
      FROM engine_resumes r
     WHERE r.approval_id = NEW.approval_id
    ON CONFLICT (channel, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;
    queued := FOUND OR queued;
  END IF;
  IF need.messages THEN
    queued := greenlight_queue_message_updates(NEW.approval_id, NULL, NEW.id) > 0 OR queued;
  END IF;
  IF queued THEN
    PERFORM set_config('greenlight.fanned_out', 'on', true);
  END IF;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER events_fan_out AFTER INSERT ON events
  FOR EACH ROW WHEN (NEW.type <> 'approval.created') EXECUTE FUNCTION events_fan_out();
