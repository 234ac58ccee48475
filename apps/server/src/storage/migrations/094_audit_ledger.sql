-- The verifiable audit ledger. Each org's audit entries form a hash chain (core/audit-chain.ts computes
-- the hashes: RFC 8785 canonical JSON, which SQL cannot produce). audit_log itself stays append-only
-- and unchanged; its entries' places in the chain are rows of audit_chain, as append-only. (audit_id
-- has no foreign key: audit_log rows are never removed, and a reference would make TRUNCATE of the log
-- fail on the reference rather than on the append-only trigger that says why.)
--
-- audit_chain_heads: one row per org, the last link; locking it serializes the org's writers so two
-- transactions never take the same seq (the chain cannot fork).
CREATE TABLE audit_chain_heads (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  seq bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
  hash text NOT NULL DEFAULT repeat('0', 64) CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE TABLE audit_chain (
  org_id uuid NOT NULL REFERENCES orgs (id),
  seq bigint NOT NULL CHECK (seq >= 1),
  audit_id bigint NOT NULL UNIQUE,
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (org_id, seq)
);
-- Entries not yet in the chain: every insert into audit_log adds one here (a trigger, so the entries
-- SQL functions write are caught too), and chaining takes them out in id order. The rows already in
-- the log are queued now, oldest first, and chained at the next start (or the org's next entry).
CREATE TABLE audit_unchained (
  audit_id bigint PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id)
);
CREATE INDEX audit_unchained_org_idx ON audit_unchained (org_id, audit_id);
INSERT INTO audit_unchained (audit_id, org_id) SELECT id, org_id FROM audit_log ORDER BY id;

-- The Ed25519 keys exports are signed with: the newest unretired one signs; every one is published
-- (old exports stay verifiable). The private key is sealed (security/sealed.ts).
CREATE TABLE audit_signing_keys (
  kid text PRIMARY KEY,
  public_jwk jsonb NOT NULL,
  private_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
