-- Microsoft Teams (channels/msteams, modules/msteams). An org's bot (an Azure Bot registration): its
-- Microsoft App ID, the client secret it gets Connector API tokens with (sealed like the other secrets),
-- its tenant for a single-tenant app, and the Teams channel each request is posted to (optional).
-- `service_url`: the Connector API of the org's Teams, as the last verified activity named it.
CREATE TABLE msteams_settings (
  org_id uuid PRIMARY KEY REFERENCES orgs(id),
  app_id text NOT NULL,
  app_password text NOT NULL,
  tenant_id text,
  channel_id text,
  service_url text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A member's Teams account in an org: the only way a Teams user acts for a member. One account per
-- member and one member per account in an org. `conversation_id` is the bot's personal chat with them
-- (where the link code was sent), `service_url` the Connector API that chat is reached through.
CREATE TABLE msteams_links (
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  msteams_user_id text NOT NULL,
  aad_object_id text,
  conversation_id text NOT NULL,
  service_url text NOT NULL,
  msteams_name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id),
  UNIQUE (org_id, msteams_user_id)
);

-- One-time codes a signed-in member sends the bot in a personal chat: only the SHA-256 is stored; short-lived, single use.
CREATE TABLE msteams_link_codes (
  code_hash text PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- The actions of a card sent: each carries an opaque token (its SHA-256 here) bound to one request and
-- one decision, and to one person (`user_id`) on a card sent to that person; a channel's card has none
-- (any linked member asked may use it, each once). A use is recorded per person (msteams_button_uses)
-- by the first click that reaches the decision path.
CREATE TABLE msteams_buttons (
  token_hash text PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  approval_id uuid NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
  user_id uuid REFERENCES users(id) ON DELETE CASCADE,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject', 'comment')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX msteams_buttons_approval_idx ON msteams_buttons (approval_id);

CREATE TABLE msteams_button_uses (
  token_hash text NOT NULL REFERENCES msteams_buttons(token_hash) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  used_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (token_hash, user_id)
);
