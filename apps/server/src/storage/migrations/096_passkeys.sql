-- Passkeys (WebAuthn credentials) a person registered as a second factor, and the single-use
-- challenges the server issued for registering one or for stepping a session up.
CREATE TABLE passkeys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  credential_id text NOT NULL UNIQUE,
  public_key bytea NOT NULL,
  counter bigint NOT NULL DEFAULT 0,
  transports text[] NOT NULL DEFAULT '{}',
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id);

-- One live challenge per session and purpose: a new one replaces the old, a finish consumes it.
CREATE TABLE passkey_challenges (
  session_token_hash text NOT NULL REFERENCES sessions (token_hash) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('register', 'step_up')),
  challenge text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (session_token_hash, purpose)
);

-- Until when the session counts as stepped up by a fresh passkey assertion.
ALTER TABLE sessions ADD COLUMN stepped_up_until timestamptz;
