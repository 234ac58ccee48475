-- A step left open when its request ends says how it ended (storage/functions/greenlight_close_steps.sql):
-- `expired` when the request's time ran out while the step was asked (its time limit, or the request's
-- deadline), `skipped` when the request ended otherwise before the step was decided.
ALTER TABLE approval_steps DROP CONSTRAINT approval_steps_status_check;
ALTER TABLE approval_steps ADD CONSTRAINT approval_steps_status_check CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'skipped'));

-- The steps of requests that ended before this rule: the same rule, judged by how the request ended.
WITH ended AS (
  SELECT s.id,
         (a.expired_at IS NOT NULL OR a.decided_by_type = 'system')
           AND (NOT a.is_sequential OR s.step_order = min(s.step_order) OVER (PARTITION BY s.approval_id)) AS timed_out,
         coalesce(a.expired_at, a.decided_at, a.updated_at) AS ended_at
    FROM approval_steps s JOIN approvals a ON a.id = s.approval_id
   WHERE s.status = 'pending' AND a.status <> 'pending'
)
UPDATE approval_steps s
   SET status = CASE WHEN e.timed_out THEN 'expired' ELSE 'skipped' END,
       decided_at = CASE WHEN e.timed_out THEN e.ended_at END
  FROM ended e
 WHERE s.id = e.id;
