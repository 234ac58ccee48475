-- Queues the rewrite of messages posted for a request (sent_messages: every channel that posts
-- messages people can act on records them) with the request's outcome: one `decision_update` row per
-- message, of the channel that posted it, once per message and ending event (its dedupe key), so a
-- revocation after an approval rewrites the messages again. Each rewrite shows the request as it is
-- when it is sent, so two of one message may go in either order. Every message of the request
-- (p_message NULL), or one recorded after the request ended (its sender calls this). p_event: the
-- event that ended the request; NULL: its latest such event. Returns the rows queued.
CREATE OR REPLACE FUNCTION greenlight_queue_message_updates(p_approval uuid, p_message uuid, p_event bigint)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n integer;
BEGIN
  INSERT INTO deliveries (event_id, org_id, approval_id, event_type, channel, kind, payload, dedupe_key)
  SELECT e.id, e.org_id, e.approval_id, e.type, m.channel, 'decision_update', jsonb_build_object('message_id', m.id),
         'decision_update:' || m.id || ':' || e.id
    FROM (SELECT ev.id, ev.org_id, ev.approval_id, ev.type FROM events ev
           WHERE ev.approval_id = p_approval AND (ev.id = p_event OR (p_event IS NULL AND ev.type = ANY (greenlight_final_event_types())))
           ORDER BY ev.id DESC LIMIT 1) e
    JOIN sent_messages m ON m.approval_id = e.approval_id AND (p_message IS NULL OR m.id = p_message)
  ON CONFLICT (channel, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
