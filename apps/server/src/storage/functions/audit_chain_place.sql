-- The one place a link of an org's audit chain is placed: an audit entry (p_audit_id) or a decision
-- (p_decision, its ledger content) takes the next seq of its org. The upsert locks the org's head row
-- until the transaction ends, so the org's writers take turns in commit order (a second one waits
-- here and then reads the first one's seq: no two links share a seq, none is skipped, the chain cannot
-- fork). One statement, run by the triggers of audit_log and events inside the writer's own statement:
-- no round trip of its own. core/audit-chain.ts hashes the links later, in seq order.
CREATE OR REPLACE FUNCTION audit_chain_place(p_org uuid, p_audit_id bigint, p_decision jsonb) RETURNS void
LANGUAGE sql AS $$
  WITH head AS (
    INSERT INTO audit_chain_heads AS h (org_id, seq) VALUES (p_org, 1)
    ON CONFLICT (org_id) DO UPDATE SET seq = h.seq + 1
    RETURNING h.seq
  )
  INSERT INTO audit_chain (org_id, seq, audit_id, decision) SELECT p_org, head.seq, p_audit_id, p_decision FROM head;
$$;
