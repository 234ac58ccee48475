-- Revoke window: for how long after its approval a request may be rescinded, and who rescinded it,
-- when and why. A revoked request is `rejected` (core/state-machine.ts, revoke); `revoked_at` is
-- what tells it from a rejection.
ALTER TABLE approvals
  ADD COLUMN revocable_for_seconds integer CHECK (revocable_for_seconds BETWEEN 1 AND 86400),
  ADD COLUMN revoked_at timestamptz,
  ADD COLUMN revoked_by_type text CHECK (revoked_by_type IN ('connection', 'user')),
  ADD COLUMN revoked_by_id uuid,
  ADD COLUMN revoked_by_name text,
  ADD COLUMN revocation_reason text;
