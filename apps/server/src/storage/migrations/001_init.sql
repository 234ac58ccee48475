-- Greenlight schema v1. Every table is scoped by org_id; every query filters on it.

CREATE TABLE orgs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL,
  emergency_stop boolean NOT NULL DEFAULT false,
  emergency_stop_changed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  name text,
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL REFERENCES users (id),
  role text NOT NULL CHECK (role IN ('admin', 'approver', 'viewer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);

-- One-time sign-in links (printed by `greenlight init`). Only the SHA-256 of the token is kept.
CREATE TABLE sign_in_tokens (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  org_id uuid NOT NULL REFERENCES orgs (id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  org_id uuid NOT NULL REFERENCES orgs (id),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A connection is one credential an automation uses: an API key, or (later) an OAuth grant.
CREATE TABLE connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  auth_type text NOT NULL DEFAULT 'api_key' CHECK (auth_type IN ('api_key', 'oauth')),
  key_hash text UNIQUE,
  key_prefix text,
  scopes text[] NOT NULL,
  rate_limit integer NOT NULL DEFAULT 100 CHECK (rate_limit BETWEEN 1 AND 10000),
  user_id uuid REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX connections_org_idx ON connections (org_id, created_at DESC);

CREATE TABLE approvals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Tie-breaker for ordering and cursors: requests created in the same microsecond still have one order.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  org_id uuid NOT NULL REFERENCES orgs (id),
  connection_id uuid REFERENCES connections (id),
  requested_by_type text NOT NULL CHECK (requested_by_type IN ('connection', 'user', 'system')),
  requested_by_id uuid,
  requested_by_name text,
  title text NOT NULL,
  description text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'expired')),
  priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
  action_type text,
  source text,
  metadata jsonb NOT NULL DEFAULT '{}',
  required_approvals integer NOT NULL DEFAULT 1 CHECK (required_approvals >= 1),
  current_approvals integer NOT NULL DEFAULT 0,
  is_sequential boolean NOT NULL DEFAULT false,
  callback_url text,
  callback_headers jsonb,
  external_id text,
  idempotency_key text,
  request_fingerprint text,
  tags jsonb NOT NULL DEFAULT '{}',
  changes jsonb,
  resource jsonb,
  comments_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  decided_at timestamptz,
  decided_by uuid,
  decided_by_type text,
  decision_comment text,
  cancelled_at timestamptz,
  search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')
  ) STORED,
  CONSTRAINT approvals_idempotency_key UNIQUE (org_id, idempotency_key),
  CONSTRAINT approvals_external_id_key UNIQUE (org_id, external_id)
);
CREATE INDEX approvals_created_idx ON approvals (org_id, created_at DESC, seq DESC);
CREATE INDEX approvals_status_created_idx ON approvals (org_id, status, created_at DESC, seq DESC);
CREATE INDEX approvals_updated_idx ON approvals (org_id, updated_at DESC, seq DESC);
CREATE INDEX approvals_decided_idx ON approvals (org_id, decided_at DESC, seq DESC) WHERE decided_at IS NOT NULL;
CREATE INDEX approvals_search_idx ON approvals USING gin (search_vector);
CREATE INDEX approvals_tags_idx ON approvals USING gin (tags jsonb_path_ops);
CREATE INDEX approvals_expiry_idx ON approvals (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;

-- One vote per approver per step (step_order 0 when the request has no steps).
CREATE TABLE approval_votes (
  approval_id uuid NOT NULL REFERENCES approvals (id),
  step_order integer NOT NULL DEFAULT 0,
  voter_type text NOT NULL CHECK (voter_type IN ('connection', 'user')),
  voter_id uuid NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (approval_id, step_order, voter_id)
);

CREATE TABLE approval_steps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  approval_id uuid NOT NULL REFERENCES approvals (id),
  org_id uuid NOT NULL REFERENCES orgs (id),
  step_order integer NOT NULL CHECK (step_order >= 1),
  approver_id uuid NOT NULL REFERENCES users (id),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_at timestamptz,
  decided_by uuid,
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (approval_id, step_order)
);

CREATE TABLE comments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  approval_id uuid NOT NULL REFERENCES approvals (id),
  org_id uuid NOT NULL REFERENCES orgs (id),
  author_type text NOT NULL CHECK (author_type IN ('connection', 'user')),
  user_id uuid,
  connection_id uuid,
  author_name text,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_approval_idx ON comments (approval_id, created_at);

-- The event log: audit trail, and the source that delivery, streams and triggers read.
-- Append-only: a trigger refuses UPDATE and DELETE (storage/functions/events_append_only.sql).
CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id),
  approval_id uuid REFERENCES approvals (id),
  type text NOT NULL,
  actor_type text NOT NULL CHECK (actor_type IN ('connection', 'user', 'system')),
  actor_id uuid,
  actor_name text,
  from_status text,
  to_status text,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_approval_idx ON events (approval_id, id);
CREATE INDEX events_org_idx ON events (org_id, id);
