-- The cancel statement says whether its event queued a delivery (`wake_worker`, as the decision's
-- does): one more result column, so the function is dropped here and made again from functions/.
DROP FUNCTION IF EXISTS greenlight_cancel(jsonb);
