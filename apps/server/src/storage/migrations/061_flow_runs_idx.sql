-- The runs of a flow in the order they started: the pages of the approval-runs API
-- (dialects/approval-runs), read forwards and backwards from a cursor (`seq`, the order they were written in).
CREATE INDEX approvals_flow_runs_idx ON approvals (flow_id, seq) WHERE flow_id IS NOT NULL;
