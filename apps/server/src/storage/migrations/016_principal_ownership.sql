-- What a principal made, so that removing the person or revoking the credential disables it:
-- the connection a subscription was made through (an OAuth grant acts as its person, whose id is
-- created_by_id), and the admin who issued an API key.
ALTER TABLE webhook_subscriptions ADD COLUMN created_by_connection_id uuid REFERENCES connections (id);
ALTER TABLE connections ADD COLUMN created_by_user_id uuid REFERENCES users (id);
CREATE INDEX webhook_subscriptions_creator_idx ON webhook_subscriptions (org_id, created_by_id) WHERE status = 'active';
CREATE INDEX webhook_subscriptions_connection_idx ON webhook_subscriptions (created_by_connection_id) WHERE status = 'active';
CREATE INDEX connections_created_by_idx ON connections (org_id, created_by_user_id) WHERE revoked_at IS NULL;
