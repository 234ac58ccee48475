-- Web Push (channels/webpush, modules/webpush). The server's VAPID key pair (RFC 8292), made once by
-- whichever replica needs it first: the private key sealed like the other secrets, the public key the
-- key browsers subscribe with (a new pair would orphan every subscription, so it is never replaced).
CREATE TABLE webpush_vapid (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  public_key text NOT NULL,
  private_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A device of a person in an org: the push service's endpoint and the browser's keys for the payload's
-- encryption (RFC 8291). One endpoint belongs to one person in an org: a browser subscribed again by
-- someone else moves to them.
CREATE TABLE webpush_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  endpoint text NOT NULL,
  p256dh text NOT NULL,
  auth text NOT NULL,
  device text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sent_at timestamptz,
  UNIQUE (org_id, endpoint)
);
CREATE INDEX webpush_subscriptions_person_idx ON webpush_subscriptions (org_id, user_id);

-- A decision link is also what a push notification's Approve / Reject action carries: the channel it
-- was made for is the source its vote records.
ALTER TABLE decision_links ADD COLUMN channel text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'webpush'));
