-- What an event may have someone told (notify/notify-channel.ts expands it when it is sent), or NULL:
-- - a change of who is asked (the request created, its steps configured, decided, escalated or
--   reassigned): `approval_request`, to whoever is asked now and was not told yet;
-- - an execution receipt: `execution_receipt`, to the people who approved the request;
-- - nobody waits for the request's answer any more: `waiter_gone`, to the person behind the request.
CREATE OR REPLACE FUNCTION greenlight_notification_kind(p_event_type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_event_type IN ('approval.created', 'steps.configured', 'step.decided', 'step.escalated', 'step.reassigned') THEN 'approval_request'
    WHEN p_event_type = 'approval.execution_reported' THEN 'execution_receipt'
    WHEN p_event_type = 'approval.waiter_gone' THEN 'waiter_gone'
  END
$$;
