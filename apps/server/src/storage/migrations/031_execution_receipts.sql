-- Execution receipts: the latest report of what an approved request's automation did with it. Every
-- report is also an `approval.execution_reported` event, which keeps the history; these columns are
-- what a read of the request shows without reading its events.
ALTER TABLE approvals
  ADD COLUMN execution_status text CHECK (execution_status IN ('started', 'succeeded', 'failed')),
  ADD COLUMN execution_message text,
  ADD COLUMN execution_url text,
  ADD COLUMN execution_reported_at timestamptz;
