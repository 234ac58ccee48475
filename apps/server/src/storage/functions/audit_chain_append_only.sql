-- The audit chain is, like the log, only ever appended to; and every new audit entry is queued for it.
CREATE OR REPLACE FUNCTION audit_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit chain is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only();
CREATE OR REPLACE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();

CREATE OR REPLACE FUNCTION audit_log_queue_for_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_unchained (audit_id, org_id) VALUES (NEW.id, NEW.org_id);
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER audit_log_queue_for_chain AFTER INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_queue_for_chain();
