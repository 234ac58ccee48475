-- Decisions join the audit ledger, and OAuth clients' secrets rotate with an overlap.
--
-- A link of an org's chain is now placed (its seq taken under the org's head row lock) by the statement
-- that writes what it records: an audit entry (audit_log's trigger) or a decision (events' trigger,
-- storage/functions/events_chain_decision.sql), so the chain's order is the commit order. Its hash is
-- filled in by core/audit-chain.ts (RFC 8785 JSON, which SQL cannot produce), in seq order, before
-- anything reads the chain: prev_hash and hash stay null until then, and are set once.
-- A decision's content is kept in the link itself (`decision`): retention removes a request's events,
-- never its places in the ledger.
ALTER TABLE audit_chain
  ALTER COLUMN audit_id DROP NOT NULL,
  ALTER COLUMN prev_hash DROP NOT NULL,
  ALTER COLUMN hash DROP NOT NULL,
  ADD COLUMN decision jsonb,
  ADD CONSTRAINT audit_chain_one_source CHECK ((audit_id IS NULL) <> (decision IS NULL)),
  ADD CONSTRAINT audit_chain_hashed_whole CHECK ((prev_hash IS NULL) = (hash IS NULL));

-- `seq`: the last link placed; `sealed_seq` and `hash`: the last link hashed.
ALTER TABLE audit_chain_heads ADD COLUMN sealed_seq bigint NOT NULL DEFAULT 0 CHECK (sealed_seq >= 0);
UPDATE audit_chain_heads SET sealed_seq = seq;

-- The entries that were queued for the chain are placed now, in id order after each org's last link.
INSERT INTO audit_chain_heads (org_id) SELECT DISTINCT org_id FROM audit_unchained ON CONFLICT (org_id) DO NOTHING;
INSERT INTO audit_chain (org_id, seq, audit_id)
  SELECT u.org_id, h.seq + row_number() OVER (PARTITION BY u.org_id ORDER BY u.audit_id), u.audit_id
    FROM audit_unchained u JOIN audit_chain_heads h ON h.org_id = u.org_id;
UPDATE audit_chain_heads h SET seq = h.seq + q.n
  FROM (SELECT org_id, count(*) AS n FROM audit_unchained GROUP BY org_id) q WHERE q.org_id = h.org_id;
DROP TABLE audit_unchained;

-- The links still to be hashed, per org.
CREATE INDEX audit_chain_unhashed_idx ON audit_chain (org_id, seq) WHERE hash IS NULL;

-- A confidential OAuth client's secret rotated: the previous one (its SHA-256) keeps working until
-- previous_secret_expires_at, and its creator is told once (previous_secret_warned_at) before it ends.
ALTER TABLE oauth_clients
  ADD COLUMN previous_secret_hash text,
  ADD COLUMN previous_secret_expires_at timestamptz,
  ADD COLUMN previous_secret_warned_at timestamptz,
  ADD COLUMN secret_rotated_at timestamptz,
  ADD CONSTRAINT oauth_clients_previous_secret_whole CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL));
