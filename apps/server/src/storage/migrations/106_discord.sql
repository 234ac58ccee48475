-- Discord (channels/discord, modules/discord). An org's Discord application: its bot token (sealed like
-- the other secrets), its application id, and the Ed25519 public key Discord signs interactions with
-- (sealed too: it decides which requests are Discord's). `channel_id`: where requests are posted, if anywhere.
CREATE TABLE discord_settings (
  org_id uuid PRIMARY KEY REFERENCES orgs(id),
  application_id text NOT NULL,
  bot_token text NOT NULL,
  public_key text NOT NULL,
  channel_id text,
  bot_username text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A member's Discord account in an org: the only way a Discord user acts for a member. One account per
-- member and one member per account in an org.
CREATE TABLE discord_links (
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  discord_user_id text NOT NULL,
  discord_username text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id),
  UNIQUE (org_id, discord_user_id)
);

-- One-time codes a signed-in member gives the app's /link command: only the SHA-256 is stored; short-lived, single use.
CREATE TABLE discord_link_codes (
  code_hash text PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- The buttons of a message sent: custom_id is an opaque token (its SHA-256 here) bound to one request and
-- one decision, and to one person (a direct message; spent by the first click that reaches the decision
-- path) or to none (the channel's post: any linked member the rules let decide, each voting once).
-- `comment`: a direct message's Comment button, which opens a form; never spent.
CREATE TABLE discord_buttons (
  token_hash text PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  approval_id uuid NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
  user_id uuid REFERENCES users(id) ON DELETE CASCADE,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject', 'comment')),
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz
);
CREATE INDEX discord_buttons_approval_idx ON discord_buttons (approval_id);

-- Interactions already answered (Discord's interaction id): a signed interaction posted again within the
-- timestamp window is refused. Rows older than the window are of no use and are removed as new ones come.
CREATE TABLE discord_interactions_seen (
  interaction_id text PRIMARY KEY,
  seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX discord_interactions_seen_at_idx ON discord_interactions_seen (seen_at);
