-- A connection's rate limit counts per minute or per hour (its sliding window); an OAuth client's
-- applies to each grant made through it.
ALTER TABLE connections ADD COLUMN rate_limit_window text NOT NULL DEFAULT 'hour' CHECK (rate_limit_window IN ('minute', 'hour'));
ALTER TABLE oauth_clients ADD COLUMN rate_limit_window text NOT NULL DEFAULT 'hour' CHECK (rate_limit_window IN ('minute', 'hour'));
