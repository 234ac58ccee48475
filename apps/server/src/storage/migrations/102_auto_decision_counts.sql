-- The prompts-avoided counts (GET /api/v1/auto-decisions) read the requests a policy or a grant decided
-- in a window: few of all decisions, so a partial index of only those keeps the read small however
-- many requests people decide.
CREATE INDEX approvals_auto_decided_idx ON approvals (org_id, decided_at) INCLUDE (decided_by_type) WHERE decided_by_type IN ('policy', 'grant');
