-- A create looks up only the grants that can match its action type: a grant's glob matches only values
-- that start with its literal prefix (the text before its first glob character), so the create asks
-- for the grants whose prefix is one of its action type's prefixes, by index, instead of reading every
-- live grant of the connection and matching each.
ALTER TABLE grants ADD COLUMN action_prefix text GENERATED ALWAYS AS (substring(action_type FROM '^[^][*?{}()!+@\\]*')) STORED;
CREATE INDEX grants_live_prefix_idx ON grants (org_id, connection_id, action_prefix) WHERE revoked_at IS NULL;
