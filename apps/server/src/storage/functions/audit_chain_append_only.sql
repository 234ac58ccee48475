-- The audit chain is, like the log, only ever appended to: a link is inserted by audit_chain_place and
-- placed and hashed once by core/audit-chain.ts (seq, prev_hash and hash set from null, a seq already
-- placed kept; nothing else changed); every other change is refused. Every new audit entry is written
-- into the chain as it is written into the log.
CREATE OR REPLACE FUNCTION audit_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
     AND NEW.id = OLD.id AND NEW.org_id = OLD.org_id AND NEW.seq IS NOT NULL AND (OLD.seq IS NULL OR NEW.seq = OLD.seq)
     AND NEW.audit_id IS NOT DISTINCT FROM OLD.audit_id AND NEW.decision IS NOT DISTINCT FROM OLD.decision THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit chain is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE TRIGGER audit_chain_append_only BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only();
CREATE OR REPLACE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();

CREATE OR REPLACE FUNCTION audit_log_queue_for_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM audit_chain_place(NEW.org_id, NEW.id, NULL);
  RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER audit_log_queue_for_chain AFTER INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_queue_for_chain();
