-- Typed outbox rows (delivery/outbox/): a row names its channel and the kind of message it carries,
-- and its payload is what that channel's schema for the kind accepts (channels/<name>/). Nothing is
-- told apart by a prefix of `url` any more:
--
--   channel   kind                                    was
--   webhook   callback | subscription                 target callback | subscription (payload: url, subscription_id)
--   notify    approval_request | execution_receipt    target notify, url 'notify:<event type>'
--             | waiter_gone
--   email     approval_request | reminder | digest |  target email, url 'mailto:<address>', message <kind>
--             execution_receipt | waiter_gone |       (the address is read when the message is sent)
--             sign_in_link | invitation
--   slack     approval_request                        target slack, url 'slack:channel:<c>' (payload: to channel)
--                                                      or 'slack:dm:<address>' (payload: to person)
--   slack     decision_update                         target slack_update, url 'slack-message:<id>' (payload: message_id)
--
-- `sealed` (was `headers`) holds what a message must not show at rest, sealed (security/sealed.ts):
-- a callback's headers, an account email's link. `dedupe_key` replaces the per-target unique indexes:
-- a channel names what may be queued only once (a request's first message to a person, a message's
-- update), and a second insert of the same key does nothing.
--
-- Every row is converted in place, pending ones included: nothing queued is lost. A rolling upgrade
-- across this migration: processes of the previous version fail their delivery attempts (their
-- statements name columns that are gone, and roll back) until they are replaced; nothing is lost.
ALTER TABLE deliveries
  ADD COLUMN channel text,
  ADD COLUMN kind text,
  ADD COLUMN payload jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN dedupe_key text;
ALTER TABLE deliveries RENAME COLUMN headers TO sealed;
ALTER TABLE deliveries ALTER COLUMN sealed DROP NOT NULL, ALTER COLUMN sealed DROP DEFAULT;
ALTER TABLE deliveries ALTER COLUMN event_type DROP NOT NULL;

UPDATE deliveries SET
  channel = CASE target
    WHEN 'callback' THEN 'webhook' WHEN 'subscription' THEN 'webhook'
    WHEN 'slack_update' THEN 'slack' ELSE target END,
  kind = CASE target
    WHEN 'callback' THEN 'callback'
    WHEN 'subscription' THEN 'subscription'
    WHEN 'notify' THEN CASE event_type WHEN 'approval.execution_reported' THEN 'execution_receipt'
                                       WHEN 'approval.waiter_gone' THEN 'waiter_gone' ELSE 'approval_request' END
    WHEN 'email' THEN message
    WHEN 'slack' THEN 'approval_request'
    WHEN 'slack_update' THEN 'decision_update' END,
  payload = CASE target
    WHEN 'callback' THEN jsonb_build_object('url', url)
    WHEN 'subscription' THEN jsonb_build_object('url', url, 'subscription_id', subscription_id)
    WHEN 'slack' THEN CASE WHEN starts_with(url, 'slack:channel:') THEN jsonb_build_object('to', 'channel', 'channel', substr(url, 15))
                           ELSE jsonb_build_object('to', 'person') END
    WHEN 'slack_update' THEN jsonb_build_object('message_id', substr(url, 15))
    ELSE '{}'::jsonb END,
  dedupe_key = CASE
    WHEN target = 'email' AND message = 'approval_request' THEN 'approval_request:' || approval_id || ':' || recipient_user_id
    WHEN target = 'email' AND message IN ('execution_receipt', 'waiter_gone') THEN message || ':' || event_id || ':' || recipient_user_id
    WHEN target = 'slack' AND starts_with(url, 'slack:channel:') THEN 'approval_request:' || approval_id || ':channel:' || substr(url, 15)
    WHEN target = 'slack' THEN 'approval_request:' || approval_id || ':' || recipient_user_id
    WHEN target = 'slack_update' THEN 'decision_update:' || substr(url, 15) || ':' || event_id END,
  sealed = CASE WHEN sealed = '{}'::jsonb THEN NULL ELSE sealed END,
  event_type = CASE WHEN event_id IS NULL THEN NULL ELSE event_type END;

DROP INDEX deliveries_request_email_key;
DROP INDEX deliveries_receipt_email_key;
DROP INDEX deliveries_waiter_email_key;
DROP INDEX deliveries_request_slack_key;
DROP INDEX deliveries_slack_update_key;
ALTER TABLE deliveries
  DROP CONSTRAINT deliveries_event_check,
  DROP CONSTRAINT deliveries_email_check,
  DROP COLUMN target,
  DROP COLUMN url,
  DROP COLUMN message,
  DROP COLUMN subscription_id;
ALTER TABLE deliveries
  ALTER COLUMN channel SET NOT NULL,
  ALTER COLUMN kind SET NOT NULL,
  ADD CONSTRAINT deliveries_channel_check CHECK (channel ~ '^[a-z][a-z0-9_]{0,31}$'),
  ADD CONSTRAINT deliveries_kind_check CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'),
  ADD CONSTRAINT deliveries_event_type_check CHECK ((event_id IS NULL) = (event_type IS NULL));
CREATE UNIQUE INDEX deliveries_dedupe_key ON deliveries (channel, dedupe_key) WHERE dedupe_key IS NOT NULL;
-- A subscription's delivery log, and its queued rows closed when it is deleted or disabled.
CREATE INDEX deliveries_subscription_idx ON deliveries (((payload ->> 'subscription_id')::uuid), seq DESC)
  WHERE channel = 'webhook' AND kind = 'subscription';

-- Messages posted to people that can be rewritten when the request ends (was slack_messages): the
-- channel that posted each and the platform's own reference to it (`address`, Slack: channel and ts).
-- The event that ends a request queues one `decision_update` row per message, of the message's channel
-- (storage/functions/greenlight_queue_message_updates.sql).
ALTER TABLE slack_messages RENAME TO sent_messages;
ALTER INDEX slack_messages_pkey RENAME TO sent_messages_pkey;
ALTER INDEX slack_messages_approval_idx RENAME TO sent_messages_approval_idx;
ALTER TABLE sent_messages RENAME CONSTRAINT slack_messages_delivery_id_key TO sent_messages_delivery_id_key;
ALTER TABLE sent_messages ADD COLUMN address jsonb;
UPDATE sent_messages SET address = jsonb_build_object('channel', channel, 'ts', ts);
ALTER TABLE sent_messages DROP COLUMN channel, DROP COLUMN ts;
ALTER TABLE sent_messages ADD COLUMN channel text NOT NULL DEFAULT 'slack';
ALTER TABLE sent_messages ALTER COLUMN channel DROP DEFAULT, ALTER COLUMN address SET NOT NULL;
CREATE UNIQUE INDEX sent_messages_address_key ON sent_messages (channel, address);
