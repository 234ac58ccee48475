-- The one place a link of an org's audit chain is written: an audit entry (p_audit_id) or a decision
-- (p_decision, its ledger content), unplaced. It takes no lock: the one sealer (core/audit-chain.ts,
-- sealAuditChain) places the org's links under its head row lock, in the order they were written, and
-- hashes them. One statement, run by the triggers of audit_log and events inside the writer's own
-- statement: no round trip of its own, and an org's writers never wait for each other here.
-- PL/pgSQL, as its callers are: a SQL function called from PL/pgSQL is planned again at every call
-- (see greenlight_requester_person), and this one runs with every decision and audit entry.
CREATE OR REPLACE FUNCTION audit_chain_place(p_org uuid, p_audit_id bigint, p_decision jsonb) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_chain (org_id, audit_id, decision) VALUES (p_org, p_audit_id, p_decision);
END
$$;
