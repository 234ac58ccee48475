-- One index for a create's lookup of the grants that can match it: equality on the connection and on
-- each prefix of the request's action type, then the expiry. It replaces the two it covers: with them
-- both, a planner without fresh statistics (a table just filled) took the one on (connection,
-- expires_at) and read every live grant of the connection, thousands, for each create.
DROP INDEX grants_live_prefix_idx;
DROP INDEX grants_live_idx;
CREATE INDEX grants_live_match_idx ON grants (org_id, connection_id, action_prefix, expires_at) WHERE revoked_at IS NULL;
