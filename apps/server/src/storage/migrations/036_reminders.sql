-- Durable timers (jobs/timers.ts): a reminder or an escalation of one step of a request, or a
-- member's daily digest. A timer is claimed FOR UPDATE SKIP LOCKED by whichever process polls first,
-- in the transaction that writes what it causes (emails, the escalation), and marked fired there: it
-- fires once across replicas, and one due while every process was down fires when one comes back.
-- A request or step that stops waiting cancels its unfired timers in the same transaction
-- (storage/functions/timers_cancel.sql), whatever path decided, cancelled or expired it.
-- `step_order` 0: a request without steps. `seq`: the n-th reminder of a step.
-- A digest is one row per member, org and day (`digest_day` in the member's time zone).
CREATE TABLE timers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('remind', 'escalate', 'digest')),
  org_id uuid NOT NULL REFERENCES orgs (id),
  approval_id uuid REFERENCES approvals (id) ON DELETE CASCADE,
  step_order integer NOT NULL DEFAULT 0,
  seq integer NOT NULL DEFAULT 1,
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  digest_day date,
  fire_at timestamptz NOT NULL,
  fired_at timestamptz,
  cancelled_at timestamptz,
  outcome text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'digest') = (approval_id IS NULL)),
  CHECK ((kind = 'digest') = (user_id IS NOT NULL AND digest_day IS NOT NULL))
);
CREATE UNIQUE INDEX timers_step_key ON timers (approval_id, step_order, kind, seq) WHERE approval_id IS NOT NULL;
CREATE UNIQUE INDEX timers_digest_key ON timers (org_id, user_id, digest_day) WHERE kind = 'digest';
CREATE INDEX timers_due_idx ON timers (fire_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_waiting_idx ON timers (approval_id) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Notification preferences (notify/preferences.ts): a member's own per org, else the org's
-- defaults, else the built-in ones. Stored as the contract's NotificationPreferences.
CREATE TABLE notification_preferences (
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  preferences jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
-- The org's default preferences and its default reminder policy (a step without its own).
ALTER TABLE orgs ADD COLUMN notification_defaults jsonb, ADD COLUMN reminder_policy jsonb;

-- Reminders and digests are emails of the outbox like a request's first message. A reminder is
-- sent for a request; a digest for no single one (approval_id null).
ALTER TABLE deliveries DROP CONSTRAINT deliveries_message_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_message_check CHECK (message IN ('approval_request', 'sign_in_link', 'invitation', 'reminder', 'digest'));
