-- Fan-out: one outbox row per target of an event, inserted by the statement that inserts the event,
-- whatever code path that is (a decision, a cancellation, a comment, the expiry sweep, a failed
-- delivery), so an event and its deliveries commit together or not at all. A callback gets a
-- request's final outcome, and a revocation of its approval (the waiter must not act on it); a subscription gets the types it
-- chose; a change of steps, or an execution receipt (told to the people who approved), gets a `notify` row; the end of a
-- request, or the revocation of its approval, gets a `slack_update` row per Slack message posted for it.
--
-- `approval.created` is left out by the trigger's WHEN clause: only the create statement writes it
-- (greenlight_create_approvals), and fans it out itself in the same statement. A create is the
-- hottest write, and a trigger call per created row was a tenth of Postgres's CPU per create.
--
-- The trigger records for the rest of its transaction that it queued a delivery
-- (`greenlight.fanned_out`), so a decision can tell its caller to wake the delivery worker only then.
-- No NOTIFY here: a NOTIFY takes the cluster's notification lock at commit and holds it through the
-- WAL flush, serializing every notifying commit; the server notifies after commit instead.
CREATE OR REPLACE FUNCTION events_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO deliveries (event_id, org_id, approval_id, event_type, target, subscription_id, url, headers)
  SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'callback', NULL, a.callback_url, COALESCE(a.callback_headers, '{}')
    FROM approvals a
   WHERE a.id = NEW.approval_id
     AND a.callback_url IS NOT NULL
     AND NEW.type IN ('approval.approved', 'approval.rejected', 'approval.cancelled', 'approval.expired', 'approval.revoked')
  UNION ALL
  SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'subscription', s.id, s.url, '{}'
    FROM webhook_subscriptions s
   WHERE s.org_id = NEW.org_id AND s.status = 'active' AND NEW.type = ANY (s.events)
  UNION ALL
  -- Who is asked may have changed: a `notify` row works it out again and tells whoever was not told yet.
  -- Only when the writer sends email (it sets greenlight.notify for its transaction) or the org posts to Slack.
  -- A receipt: a `notify` row tells the people who approved, by email only.
  SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'notify', NULL, 'notify:' || NEW.type, '{}'
   WHERE (NEW.type IN ('steps.configured', 'step.decided', 'step.escalated', 'step.reassigned')
          AND (current_setting('greenlight.notify', true) = 'on' OR EXISTS (SELECT 1 FROM slack_settings ss WHERE ss.org_id = NEW.org_id)))
      OR (NEW.type = 'approval.execution_reported' AND current_setting('greenlight.notify', true) = 'on')
  UNION ALL
  -- The request ended: every Slack message posted for it is rewritten with the outcome. A message
  -- posted after this commits is rewritten by its sender (delivery/slack-notifications.ts).
  SELECT NEW.id, NEW.org_id, NEW.approval_id, NEW.type, 'slack_update', NULL, 'slack-message:' || m.id, '{}'
    FROM slack_messages m
   WHERE m.approval_id = NEW.approval_id
     AND NEW.type IN ('approval.approved', 'approval.rejected', 'approval.cancelled', 'approval.expired', 'approval.revoked');
  IF FOUND THEN
    PERFORM set_config('greenlight.fanned_out', 'on', true);
  END IF;
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER events_fan_out AFTER INSERT ON events
  FOR EACH ROW WHEN (NEW.type <> 'approval.created') EXECUTE FUNCTION events_fan_out();
