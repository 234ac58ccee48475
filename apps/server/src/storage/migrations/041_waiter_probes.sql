-- Dead-waiter detection (jobs/waiter-probes.ts). One probe row per pending request with a
-- callback_url, written by the create statement: while the request is pending its callback target is
-- probed with HEAD at `next_probe_at`, claimed FOR UPDATE SKIP LOCKED with a lease like a delivery, so
-- two replicas never probe it at once and one killed mid-probe leaves it due again when the lease ends.
-- `unreachable_since`: the first of the probes in a row that got no answer (null once one answers).
-- `done_at`: the request left `pending`; nothing is probed any more.
-- `kind` 'poll': a request without a callback that someone waited on by long poll (GET …/wait): its row
-- is written by the waits themselves (`last_waited_at`), and due only once nobody has waited for longer
-- than the threshold; then no request is made, the silence is the verdict.
CREATE TABLE waiter_probes (
  approval_id uuid PRIMARY KEY REFERENCES approvals (id) ON DELETE CASCADE,
  org_id uuid NOT NULL REFERENCES orgs (id),
  kind text NOT NULL DEFAULT 'callback' CHECK (kind IN ('callback', 'poll')),
  last_waited_at timestamptz,
  next_probe_at timestamptz NOT NULL,
  lease_until timestamptz,
  probes integer NOT NULL DEFAULT 0,
  unreachable_since timestamptz,
  last_status integer,
  last_error text,
  last_probed_at timestamptz,
  done_at timestamptz
);
CREATE INDEX waiter_probes_due_idx ON waiter_probes (next_probe_at) WHERE done_at IS NULL;

-- What the API shows as `waiter` (core/approval-record.ts): null until a probe or a callback answered.
ALTER TABLE approvals
  ADD COLUMN waiter_state text CHECK (waiter_state IN ('present', 'gone')),
  ADD COLUMN waiter_reason text,
  ADD COLUMN waiter_since timestamptz,
  ADD COLUMN waiter_checked_at timestamptz;

-- The requester is told by email that nobody waits for the answer: once per event and person.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_message_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_message_check CHECK (message IN ('approval_request', 'sign_in_link', 'invitation', 'reminder', 'digest', 'execution_receipt', 'waiter_gone'));
CREATE UNIQUE INDEX deliveries_waiter_email_key ON deliveries (event_id, recipient_user_id) WHERE message = 'waiter_gone';
