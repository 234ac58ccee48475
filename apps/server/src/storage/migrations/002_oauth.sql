-- OAuth 2.0 authorization server. A grant is a row of `connections` with
-- auth_type 'oauth' and user_id set; the tables below hold the clients, the codes and the tokens.

CREATE TABLE oauth_clients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  client_id text NOT NULL UNIQUE,
  -- SHA-256 of a 256-bit random secret: a slow hash adds nothing to a secret nobody can guess.
  client_secret_hash text NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Compared as exact strings (RFC 9700 §2.1).
  redirect_uris text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 20),
  scopes text[] NOT NULL,
  -- The rate limit each grant (connection) of this client starts with.
  rate_limit integer NOT NULL DEFAULT 100 CHECK (rate_limit BETWEEN 1 AND 10000),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX oauth_clients_org_idx ON oauth_clients (org_id, created_at DESC);

CREATE TABLE oauth_codes (
  code_hash text PRIMARY KEY,
  client_id uuid NOT NULL REFERENCES oauth_clients (id),
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL REFERENCES users (id),
  redirect_uri text NOT NULL,
  scopes text[] NOT NULL,
  code_challenge text,
  code_challenge_method text CHECK (code_challenge_method IN ('S256')),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  -- Set when a second redemption is seen: tokens issued from this code are then revoked,
  -- including tokens the first redemption has not stored yet.
  reuse_detected_at timestamptz,
  connection_id uuid REFERENCES connections (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_tokens (
  token_hash text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('access', 'refresh')),
  -- The grant; revoking the family is revoking this connection.
  connection_id uuid NOT NULL REFERENCES connections (id),
  client_id uuid NOT NULL REFERENCES oauth_clients (id),
  scopes text[] NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  -- Refresh tokens only: when it was exchanged, and the pair it was exchanged for, encrypted with a
  -- key derived from this refresh token (which is not stored), so a concurrent refresh within the
  -- grace window can be answered with the same pair.
  rotated_at timestamptz,
  successor_ciphertext text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oauth_tokens_connection_idx ON oauth_tokens (connection_id);
