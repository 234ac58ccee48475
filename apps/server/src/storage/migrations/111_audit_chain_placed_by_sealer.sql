-- A link of an org's audit chain is now written unplaced (no seq) by the statement that writes what it
-- records, and placed by the one sealer (core/audit-chain.ts, sealAuditChain) when it hashes: under the
-- org's head row lock, in the order the links were written, after the last placed one. Placing at write
-- time held that lock from a decision's event until its commit, so an org's decisions committed one
-- after another (a quarter of the decisions a second one org could take). The chain keeps its
-- guarantees: only the sealer places, one at a time per org, so no two links share a seq, none is
-- skipped and the chain cannot fork; everything committed before a seal is placed by it.
ALTER TABLE audit_chain DROP CONSTRAINT audit_chain_pkey;
ALTER TABLE audit_chain
  ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY,
  ALTER COLUMN seq DROP NOT NULL,
  ADD CONSTRAINT audit_chain_pkey PRIMARY KEY (id),
  ADD CONSTRAINT audit_chain_org_seq_key UNIQUE (org_id, seq),
  -- Placed and hashed in one step: a link has both or neither.
  ADD CONSTRAINT audit_chain_placed_whole CHECK ((seq IS NULL) = (hash IS NULL)) NOT VALID;

-- The links still to be placed and hashed, per org, in the order they were written. Links placed by the
-- old trigger and not yet hashed (a process stopped before its seal) keep their seq and come first.
DROP INDEX audit_chain_unhashed_idx;
CREATE INDEX audit_chain_unhashed_idx ON audit_chain (org_id, id) WHERE hash IS NULL;

-- The heads' `seq` (the last link placed) now always equals `sealed_seq` (the last hashed) after a seal.
