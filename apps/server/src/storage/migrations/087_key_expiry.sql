-- API keys that expire. `expires_at` null: never. Rotation sets the old key's `expires_at` to the end
-- of the overlap and points the new key at it (`rotated_from`). `expiry_warned_at`: when the key's
-- creator was told it is about to lapse, so each key is warned about once.
ALTER TABLE connections
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN rotated_from uuid REFERENCES connections(id),
  ADD COLUMN expiry_warned_at timestamptz;

-- The warning job's scan: live keys with an expiry nobody has been told about yet.
CREATE INDEX connections_expiry_warning_idx ON connections (expires_at)
  WHERE expires_at IS NOT NULL AND revoked_at IS NULL AND expiry_warned_at IS NULL;
