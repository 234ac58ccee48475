-- A create answers, beside each new request, what its creator may do with it (`can_columns`: the
-- rule's columns, greenlight_viewer_can_asks) and its run's steps (`run_steps`), read in the create's
-- own call once its rows are written: two more result columns, so the two create functions are
-- dropped here and made again from functions/. greenlight_create_approvals keeps each request's
-- answer in an array of this type until the statements after its insert (steps, probes, resumes) have
-- run.
DROP FUNCTION IF EXISTS greenlight_create_approval(jsonb);
DROP FUNCTION IF EXISTS greenlight_create_approvals(jsonb);
CREATE TYPE greenlight_created AS (ord integer, org_open boolean, event_id bigint, approval json, fanned_out boolean, notify json);
