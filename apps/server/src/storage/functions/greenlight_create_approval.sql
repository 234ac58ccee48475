-- One request: a create that arrives alone, or one written again after its batch failed
-- (core/approvals/create-batch.ts). The same transition as a batch of one; its own name keeps its own
-- prepared statement and makes the single path visible in the database's statistics.
CREATE OR REPLACE FUNCTION greenlight_create_approval(p_item jsonb)
RETURNS TABLE (org_open boolean, event_id bigint, approval json, fanned_out boolean, notify json, can_columns json, run_steps json) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY
  SELECT r.org_open, r.event_id, r.approval, r.fanned_out, r.notify, r.can_columns, r.run_steps FROM greenlight_create_approvals(jsonb_build_array(p_item)) AS r;
END
$$;
