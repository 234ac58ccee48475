-- Slack (modules/slack/, channels/slack/slack-channel.ts).
--
-- An org's Slack app: its bot token and signing secret, sealed (security/sealed.ts); the channel
-- requests are posted to; whether the people asked also get a direct message.
CREATE TABLE slack_settings (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  bot_token text NOT NULL,
  signing_secret text NOT NULL,
  default_channel text,
  dm_approvers boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Notifications to Slack are deliveries of the outbox, like email:
-- - `slack`: one message posting a request, to a channel (`url` = 'slack:channel:' || channel) or to
--   one person as a direct message (`url` = 'slack:dm:' || address, `recipient_user_id` set). A
--   request is posted to a channel, or to a person, once (the unique index below).
-- - `slack_update`: one sent message rewritten in place with the request's outcome
--   (`url` = 'slack-message:' || slack_messages.id), queued with the event that ends the request.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_target_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_target_check
  CHECK (target IN ('callback', 'subscription', 'notify', 'email', 'slack', 'slack_update'));
CREATE UNIQUE INDEX deliveries_request_slack_key ON deliveries (approval_id, url) WHERE target = 'slack';
CREATE UNIQUE INDEX deliveries_slack_update_key ON deliveries (url) WHERE target = 'slack_update';

-- Every message posted for a request, so that its outcome can be written over it. One per `slack` row:
-- found again at a retry, it means the message was already posted and is not posted twice.
CREATE TABLE slack_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  approval_id uuid NOT NULL REFERENCES approvals (id),
  delivery_id uuid NOT NULL UNIQUE REFERENCES deliveries (id),
  recipient_user_id uuid REFERENCES users (id),
  channel text NOT NULL,
  ts text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel, ts)
);
CREATE INDEX slack_messages_approval_idx ON slack_messages (approval_id);
