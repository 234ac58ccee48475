-- A create answers, beside each new request, the `notify` row it queued when the caller asked it to
-- claim that row for its own first attempt (greenlight_create_approvals.sql): one more result column,
-- so the two create functions are dropped here and made again from functions/.
DROP FUNCTION IF EXISTS greenlight_create_approval(jsonb);
DROP FUNCTION IF EXISTS greenlight_create_approvals(jsonb);
