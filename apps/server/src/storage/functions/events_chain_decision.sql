-- Every decision on a request is a link of its org's audit chain, written (audit_chain_place) by the very
-- statement that records it, whatever decided: a person's or a key's vote and the final decision it
-- makes (greenlight_decide), a policy's or a grant's decision at create, the expiry's auto-decision, a
-- revocation. The link keeps the decision as the ledger exports it (its content outlives the event,
-- which retention removes with the request): the request, who decided (`decider.kind`: person, key,
-- oauth_grant, policy, grant or system), the decision, the comment, the time and the SHA-256 of the
-- content decided on, with the rest of the event's data (step, source, on_behalf_of, admin_override, …).
CREATE OR REPLACE FUNCTION events_chain_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The decider (a key's kind is read from its connection) is an expression of the link's statement:
  -- as an assignment, its subquery would make PL/pgSQL run it as a statement of its own.
  PERFORM audit_chain_place(NEW.org_id, NULL, jsonb_build_object(
    'id', NEW.id::text,
    'type', NEW.type,
    'actor', jsonb_build_object('type', NEW.actor_type, 'id', NEW.actor_id, 'name', NEW.actor_name),
    'target', jsonb_build_object('type', 'approval', 'id', NEW.approval_id::text),
    'details', jsonb_build_object('decision', CASE WHEN NEW.type = 'approval.revoked' THEN to_jsonb('revoke'::text) ELSE NEW.data->'decision' END,
                                  'comment', NEW.data->'comment', 'approved_content_sha256', NEW.data->'approved_content_sha256')
               || NEW.data
               || jsonb_build_object('request_id', NEW.approval_id::text, 'decider', CASE NEW.actor_type
                    WHEN 'user' THEN jsonb_build_object('kind', 'person', 'id', NEW.actor_id)
                    WHEN 'connection' THEN jsonb_build_object('id', NEW.actor_id, 'kind',
                      (SELECT CASE c.auth_type WHEN 'oauth' THEN 'oauth_grant' ELSE 'key' END FROM connections c WHERE c.id = NEW.actor_id))
                    ELSE CASE NEW.data->>'reason'
                      WHEN 'policy' THEN jsonb_build_object('kind', 'policy', 'id', NEW.data->'policy'->'id')
                      WHEN 'grant' THEN jsonb_build_object('kind', 'grant', 'id', NEW.data->'grant'->'id')
                      ELSE jsonb_build_object('kind', 'system', 'id', NULL) END
                  END || jsonb_build_object('name', NEW.actor_name)),
    'created_at', to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER events_chain_decision AFTER INSERT ON events FOR EACH ROW
  WHEN (NEW.type IN ('approval.vote_recorded', 'approval.approved', 'approval.rejected', 'step.vote_recorded', 'step.decided', 'approval.revoked'))
  EXECUTE FUNCTION events_chain_decision();
