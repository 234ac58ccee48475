-- OAuth clients that expire, like API keys: `expires_at` null: never. After it the client gets and
-- refreshes no tokens and its access tokens stop working. `created_by_user_id`: the admin who
-- registered it, told (once, `expiry_warned_at`) a week before it lapses.
ALTER TABLE oauth_clients
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN expiry_warned_at timestamptz,
  ADD COLUMN created_by_user_id uuid REFERENCES users (id);

CREATE INDEX oauth_clients_expiry_warning_idx ON oauth_clients (expires_at)
  WHERE expires_at IS NOT NULL AND revoked_at IS NULL AND expiry_warned_at IS NULL;
