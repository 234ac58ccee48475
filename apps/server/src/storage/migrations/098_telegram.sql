-- Telegram (channels/telegram, modules/telegram). An org's bot: its token and the secret token Telegram
-- sends with every webhook update, both sealed like the other secrets.
CREATE TABLE telegram_settings (
  org_id uuid PRIMARY KEY REFERENCES orgs(id),
  bot_token text NOT NULL,
  webhook_secret text NOT NULL,
  bot_username text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A member's Telegram account in an org: the only way a Telegram user acts for a member. One account
-- per member and one member per account in an org. `chat_id` is the private chat the bot writes to.
CREATE TABLE telegram_links (
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  telegram_user_id bigint NOT NULL,
  chat_id bigint NOT NULL,
  telegram_username text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id),
  UNIQUE (org_id, telegram_user_id)
);

-- One-time codes a signed-in member sends as `/start <code>`: only the SHA-256 is stored; short-lived, single use.
CREATE TABLE telegram_link_codes (
  code_hash text PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- The buttons of a message sent: callback_data is an opaque token (its SHA-256 here) bound to one
-- request, one person and one decision, spent by the first click that reaches the decision path.
CREATE TABLE telegram_buttons (
  token_hash text PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  approval_id uuid NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz
);
CREATE INDEX telegram_buttons_approval_idx ON telegram_buttons (approval_id);
