-- Notifications are deliveries of the outbox (notify/, channels/email/):
-- - `notify`: one row per event that may change who is asked to decide a request (its creation, its
--   steps configured or decided). Its attempt works out who is asked (core/who-is-asked.ts) and
--   queues one `email` row per person, in one transaction.
-- - `email`: one message to one person; `url` is `mailto:<address>`. `message` says what it carries.
--   A request's message goes to a person once: the partial unique index below.
-- Account emails (a sign-in link, an invitation) have no event: `event_id` is null for them, and the
-- link's token is sealed in `headers` (security/sealed.ts) until the message is sent.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_target_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_target_check CHECK (target IN ('callback', 'subscription', 'notify', 'email'));
ALTER TABLE deliveries ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_event_check CHECK (event_id IS NOT NULL OR target = 'email');
ALTER TABLE deliveries ADD COLUMN recipient_user_id uuid REFERENCES users (id);
ALTER TABLE deliveries ADD COLUMN message text CHECK (message IN ('approval_request', 'sign_in_link', 'invitation'));
ALTER TABLE deliveries ADD CONSTRAINT deliveries_email_check CHECK ((target = 'email') = (message IS NOT NULL AND recipient_user_id IS NOT NULL));
CREATE UNIQUE INDEX deliveries_request_email_key ON deliveries (approval_id, recipient_user_id) WHERE message = 'approval_request';

-- Decision links in approval emails (modules/decision-links/). Each is bound to one request, one
-- person and one decision, works once and expires. The token is 256 random bits; it is found by its
-- SHA-256, and kept sealed only so that a retried email carries the same links as the first attempt.
CREATE TABLE decision_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE,
  token_sealed text NOT NULL,
  org_id uuid NOT NULL REFERENCES orgs (id),
  approval_id uuid NOT NULL REFERENCES approvals (id),
  user_id uuid NOT NULL REFERENCES users (id),
  decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
  delivery_id uuid NOT NULL REFERENCES deliveries (id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (delivery_id, decision)
);
CREATE INDEX decision_links_approval_idx ON decision_links (approval_id);
