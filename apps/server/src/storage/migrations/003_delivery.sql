-- Outgoing webhooks: subscriptions, the per-org callback signing secret, and the transactional outbox.

-- Signs every callback_url delivery of an org. Created on first use (delivery or GET of the secret).
-- Secrets are kept readable because signing needs them; only the API never shows them after creation.
CREATE TABLE callback_secrets (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  rotated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- REST-hook subscriptions (Zapier, n8n, Make). `deleted` rows stay so the delivery log keeps its links.
CREATE TABLE webhook_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  url text NOT NULL,
  events text[] NOT NULL CHECK (cardinality(events) >= 1),
  description text,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  secret_rotated_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'deleted')),
  disabled_reason text,
  created_by_type text NOT NULL CHECK (created_by_type IN ('connection', 'user')),
  created_by_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz,
  deleted_at timestamptz
);
CREATE INDEX webhook_subscriptions_org_idx ON webhook_subscriptions (org_id, created_at) WHERE status <> 'deleted';

-- The outbox: one row per (event, target), inserted by the fan-out (storage/functions/events_fan_out.sql).
-- Its id is the Standard Webhooks `webhook-id`, stable across retries. `next_attempt_at` is when a worker may next claim the row: for `pending` the scheduled
-- attempt, for `delivering` the end of the claimer's lease (a killed process's claims come back then).
CREATE TABLE deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  event_id bigint NOT NULL REFERENCES events (id),
  org_id uuid NOT NULL REFERENCES orgs (id),
  approval_id uuid REFERENCES approvals (id),
  event_type text NOT NULL,
  target text NOT NULL CHECK (target IN ('callback', 'subscription')),
  subscription_id uuid REFERENCES webhook_subscriptions (id),
  url text NOT NULL,
  -- The request's callback_headers, copied when the event happened.
  headers jsonb NOT NULL DEFAULT '{}',
  -- The JSON body, fixed by the first attempt so every retry sends the same bytes.
  body text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'gone')),
  -- Attempts claimed so far; the attempt number of the next claim is attempts + 1.
  attempts integer NOT NULL DEFAULT 0,
  -- attempts at the last manual redelivery: the retry schedule restarts from there.
  schedule_base integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  CHECK ((target = 'subscription') = (subscription_id IS NOT NULL))
);
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status IN ('pending', 'delivering');
CREATE INDEX deliveries_org_idx ON deliveries (org_id, seq DESC);
CREATE INDEX deliveries_approval_idx ON deliveries (approval_id, seq DESC) WHERE approval_id IS NOT NULL;
CREATE INDEX deliveries_subscription_idx ON deliveries (subscription_id, seq DESC) WHERE subscription_id IS NOT NULL;

-- Every attempt made. The primary key makes "the same attempt twice" impossible to record.
CREATE TABLE delivery_attempts (
  delivery_id uuid NOT NULL REFERENCES deliveries (id),
  attempt integer NOT NULL CHECK (attempt >= 1),
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text,
  -- host:pid of the process that made it (operations: which replica talked to the receiver).
  worker text NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
