-- Durable engines (channels/engines, modules/engines): an org's credentials for each engine a request may
-- name as its resume target, sealed like the other secrets (the Step Functions access key id and region
-- are not secrets). A null column: that engine is not configured.
CREATE TABLE engine_settings (
  org_id uuid PRIMARY KEY REFERENCES orgs(id),
  trigger_dev_secret_key text,
  step_functions_region text,
  step_functions_access_key_id text,
  step_functions_secret_access_key text,
  inngest_event_key text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A request's resume target, one per request: `target` is the request's `resume` as given, sealed (a task
-- token is a credential of the waiting execution). Written with the request; its outcome queues one
-- engines/resume row (storage/functions/events_fan_out.sql; dedupe key `engine_resume:<approval id>`).
CREATE TABLE engine_resumes (
  approval_id uuid PRIMARY KEY REFERENCES approvals(id) ON DELETE CASCADE,
  org_id uuid NOT NULL REFERENCES orgs(id),
  engine text NOT NULL CHECK (engine IN ('trigger.dev', 'step-functions', 'inngest')),
  target text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
