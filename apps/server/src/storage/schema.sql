-- The schema as storage/migrations/ leave it, generated from a migrated database by
-- apps/server/scripts/generate-schema.ts (`pnpm generate`). Do not edit: write a migration, then
-- run `pnpm generate` and commit this file with it (CI fails when they differ). Functions and their
-- triggers are current source in storage/functions/; only their signatures are listed here.

CREATE TABLE approval_counts (
  org_id uuid NOT NULL,
  status text NOT NULL,
  n bigint NOT NULL
);
CREATE INDEX approval_counts_org_status_idx ON approval_counts USING btree (org_id, status);

CREATE TABLE approval_steps (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  approval_id uuid NOT NULL,
  org_id uuid NOT NULL,
  step_order integer NOT NULL,
  status text DEFAULT 'pending'::text NOT NULL,
  decided_at timestamp with time zone,
  decided_by uuid,
  comment text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  approver_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
  team_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
  quorum integer DEFAULT 1,
  name text,
  time_limit_seconds integer,
  CONSTRAINT approval_steps_pkey PRIMARY KEY (id),
  CONSTRAINT approval_steps_approval_id_step_order_key UNIQUE (approval_id, step_order),
  CONSTRAINT approval_steps_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id),
  CONSTRAINT approval_steps_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT approval_steps_has_approvers CHECK ((cardinality(approver_ids) + cardinality(team_ids)) >= 1),
  CONSTRAINT approval_steps_quorum_check CHECK (quorum IS NULL OR quorum >= 1),
  CONSTRAINT approval_steps_status_check CHECK (status = ANY (ARRAY['pending'::text, 'approved'::text, 'rejected'::text, 'expired'::text, 'skipped'::text])),
  CONSTRAINT approval_steps_step_order_check CHECK (step_order >= 1)
);
CREATE INDEX approval_steps_pending_people_idx ON approval_steps USING gin (approver_ids) WHERE (status = 'pending'::text);
CREATE INDEX approval_steps_pending_teams_idx ON approval_steps USING gin (team_ids) WHERE (status = 'pending'::text);
CREATE TRIGGER approval_steps_timers_cancel AFTER UPDATE OF status ON approval_steps FOR EACH ROW WHEN (((old.status = 'pending'::text) AND (new.status <> 'pending'::text))) EXECUTE FUNCTION timers_cancel();
CREATE TRIGGER approval_steps_timers_follow AFTER INSERT OR DELETE ON approval_steps FOR EACH ROW EXECUTE FUNCTION timers_follow_steps();

CREATE TABLE approval_votes (
  approval_id uuid NOT NULL,
  step_order integer DEFAULT 0 NOT NULL,
  voter_type text NOT NULL,
  voter_id uuid NOT NULL,
  decision text NOT NULL,
  comment text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  voter_user_id uuid,
  on_behalf_of uuid,
  source text,
  CONSTRAINT approval_votes_pkey PRIMARY KEY (approval_id, step_order, voter_id),
  CONSTRAINT approval_votes_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id),
  CONSTRAINT approval_votes_decision_check CHECK (decision = ANY (ARRAY['approve'::text, 'reject'::text])),
  CONSTRAINT approval_votes_voter_type_check CHECK (voter_type = ANY (ARRAY['connection'::text, 'user'::text]))
);
CREATE UNIQUE INDEX approval_votes_person_key ON approval_votes USING btree (approval_id, step_order, voter_user_id) WHERE (voter_user_id IS NOT NULL);

CREATE TABLE approvals (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
  org_id uuid NOT NULL,
  connection_id uuid,
  requested_by_type text NOT NULL,
  requested_by_id uuid,
  requested_by_name text,
  title text NOT NULL,
  description text NOT NULL,
  status text DEFAULT 'pending'::text NOT NULL,
  priority text NOT NULL,
  action_type text,
  source text,
  metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
  required_approvals integer DEFAULT 1 NOT NULL,
  current_approvals integer DEFAULT 0 NOT NULL,
  is_sequential boolean DEFAULT false NOT NULL,
  callback_url text,
  callback_headers jsonb,
  external_id text,
  idempotency_key text,
  request_fingerprint text,
  tags jsonb DEFAULT '{}'::jsonb NOT NULL,
  changes jsonb,
  resource jsonb,
  comments_count integer DEFAULT 0 NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  expires_at timestamp with time zone,
  decided_at timestamp with time zone,
  decided_by uuid,
  decided_by_type text,
  decision_comment text,
  cancelled_at timestamp with time zone,
  search_vector tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english'::regconfig, title), 'A'::"char") || setweight(to_tsvector('english'::regconfig, description), 'B'::"char")) STORED,
  on_expiry text DEFAULT 'expire'::text NOT NULL,
  expired_at timestamp with time zone,
  flow_id uuid,
  flow_version integer,
  run_expires_at timestamp with time zone,
  redact text[] DEFAULT '{}'::text[] NOT NULL,
  routing jsonb,
  execution_status text,
  execution_message text,
  execution_url text,
  execution_reported_at timestamp with time zone,
  revocable_for_seconds integer,
  revoked_at timestamp with time zone,
  revoked_by_type text,
  revoked_by_id uuid,
  revoked_by_name text,
  revocation_reason text,
  waiter_state text,
  waiter_reason text,
  waiter_since timestamp with time zone,
  waiter_checked_at timestamp with time zone,
  created_via text DEFAULT 'v1'::text NOT NULL,
  decided_by_policy jsonb,
  decided_by_grant jsonb,
  response_schema json,
  editable text[] DEFAULT '{}'::text[] NOT NULL,
  response jsonb,
  edits jsonb DEFAULT '[]'::jsonb NOT NULL,
  content_sha256 text,
  CONSTRAINT approvals_pkey PRIMARY KEY (id),
  CONSTRAINT approvals_seq_key UNIQUE (seq),
  CONSTRAINT approvals_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES connections(id),
  CONSTRAINT approvals_flow_id_fkey FOREIGN KEY (flow_id) REFERENCES flows(id),
  CONSTRAINT approvals_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT approvals_execution_status_check CHECK (execution_status = ANY (ARRAY['started'::text, 'succeeded'::text, 'failed'::text])),
  CONSTRAINT approvals_on_expiry_check CHECK (on_expiry = ANY (ARRAY['expire'::text, 'approve'::text, 'reject'::text])),
  CONSTRAINT approvals_priority_check CHECK (priority = ANY (ARRAY['low'::text, 'medium'::text, 'high'::text, 'critical'::text])),
  CONSTRAINT approvals_requested_by_type_check CHECK (requested_by_type = ANY (ARRAY['connection'::text, 'user'::text, 'system'::text])),
  CONSTRAINT approvals_required_approvals_check CHECK (required_approvals >= 1),
  CONSTRAINT approvals_revocable_for_seconds_check CHECK (revocable_for_seconds >= 1 AND revocable_for_seconds <= 86400),
  CONSTRAINT approvals_revoked_by_type_check CHECK (revoked_by_type = ANY (ARRAY['connection'::text, 'user'::text])),
  CONSTRAINT approvals_status_check CHECK (status = ANY (ARRAY['pending'::text, 'approved'::text, 'rejected'::text, 'cancelled'::text, 'expired'::text])),
  CONSTRAINT approvals_waiter_state_check CHECK (waiter_state = ANY (ARRAY['present'::text, 'gone'::text]))
);
CREATE INDEX approvals_auto_decided_idx ON approvals USING btree (org_id, decided_at) INCLUDE (decided_by_type) WHERE (decided_by_type = ANY (ARRAY['policy'::text, 'grant'::text]));
CREATE INDEX approvals_closed_idx ON approvals USING btree (COALESCE(decided_at, cancelled_at, expired_at)) WHERE (status <> 'pending'::text);
CREATE INDEX approvals_created_idx ON approvals USING btree (org_id, created_at DESC, seq DESC);
CREATE INDEX approvals_decided_idx ON approvals USING btree (org_id, decided_at DESC, seq DESC) WHERE (decided_at IS NOT NULL);
CREATE INDEX approvals_entity_idx ON approvals USING btree (org_id, ((resource ->> 'type'::text)), ((resource ->> 'id'::text)), created_at DESC) WHERE (resource IS NOT NULL);
CREATE INDEX approvals_expiry_idx ON approvals USING btree (expires_at) WHERE ((status = 'pending'::text) AND (expires_at IS NOT NULL));
CREATE UNIQUE INDEX approvals_external_id_key ON approvals USING btree (org_id, external_id) WHERE (external_id IS NOT NULL);
CREATE INDEX approvals_flow_runs_idx ON approvals USING btree (flow_id, seq) WHERE (flow_id IS NOT NULL);
CREATE UNIQUE INDEX approvals_idempotency_key ON approvals USING btree (org_id, idempotency_key) WHERE (idempotency_key IS NOT NULL);
CREATE INDEX approvals_search_idx ON approvals USING gin (search_vector);
CREATE INDEX approvals_status_created_idx ON approvals USING btree (org_id, status, created_at DESC, seq DESC);
CREATE INDEX approvals_tags_idx ON approvals USING gin (tags jsonb_path_ops) WHERE (tags <> '{}'::jsonb);
CREATE INDEX approvals_updated_idx ON approvals USING btree (org_id, updated_at DESC, seq DESC);
CREATE TRIGGER approval_counts_delete AFTER DELETE ON approvals REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_counts_delete();
CREATE TRIGGER approval_counts_insert AFTER INSERT ON approvals REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION approval_counts_insert();
CREATE TRIGGER approval_counts_truncate AFTER TRUNCATE ON approvals FOR EACH STATEMENT EXECUTE FUNCTION approval_counts_truncate();
CREATE TRIGGER approval_counts_update AFTER UPDATE OF status ON approvals FOR EACH ROW WHEN ((old.status IS DISTINCT FROM new.status)) EXECUTE FUNCTION approval_counts_update();
CREATE TRIGGER approvals_close_steps AFTER UPDATE OF status ON approvals FOR EACH ROW WHEN (((old.status = 'pending'::text) AND (new.status <> 'pending'::text))) EXECUTE FUNCTION greenlight_close_steps();
CREATE TRIGGER approvals_timers_cancel AFTER UPDATE OF status ON approvals FOR EACH ROW WHEN (((old.status = 'pending'::text) AND (new.status <> 'pending'::text))) EXECUTE FUNCTION timers_cancel();

CREATE TABLE audit_chain (
  org_id uuid NOT NULL,
  seq bigint,
  audit_id bigint,
  prev_hash text,
  hash text,
  decision jsonb,
  id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
  CONSTRAINT audit_chain_pkey PRIMARY KEY (id),
  CONSTRAINT audit_chain_audit_id_key UNIQUE (audit_id),
  CONSTRAINT audit_chain_org_seq_key UNIQUE (org_id, seq),
  CONSTRAINT audit_chain_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT audit_chain_hash_check CHECK (hash ~ '^[0-9a-f]{64}$'::text),
  CONSTRAINT audit_chain_hashed_whole CHECK ((prev_hash IS NULL) = (hash IS NULL)),
  CONSTRAINT audit_chain_one_source CHECK ((audit_id IS NULL) <> (decision IS NULL)),
  CONSTRAINT audit_chain_placed_whole CHECK ((seq IS NULL) = (hash IS NULL)) NOT VALID,
  CONSTRAINT audit_chain_prev_hash_check CHECK (prev_hash ~ '^[0-9a-f]{64}$'::text),
  CONSTRAINT audit_chain_seq_check CHECK (seq >= 1)
);
CREATE INDEX audit_chain_unhashed_idx ON audit_chain USING btree (org_id, id) WHERE (hash IS NULL);
CREATE TRIGGER audit_chain_append_only BEFORE DELETE OR UPDATE ON audit_chain FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only();

CREATE TABLE audit_chain_heads (
  org_id uuid NOT NULL,
  seq bigint DEFAULT 0 NOT NULL,
  hash text DEFAULT repeat('0'::text, 64) NOT NULL,
  sealed_seq bigint DEFAULT 0 NOT NULL,
  CONSTRAINT audit_chain_heads_pkey PRIMARY KEY (org_id),
  CONSTRAINT audit_chain_heads_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT audit_chain_heads_hash_check CHECK (hash ~ '^[0-9a-f]{64}$'::text),
  CONSTRAINT audit_chain_heads_sealed_seq_check CHECK (sealed_seq >= 0),
  CONSTRAINT audit_chain_heads_seq_check CHECK (seq >= 0)
);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
  org_id uuid NOT NULL,
  type text NOT NULL,
  actor_type text NOT NULL,
  actor_id uuid,
  actor_name text,
  target_type text,
  target_id text,
  details jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT audit_log_pkey PRIMARY KEY (id),
  CONSTRAINT audit_log_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT audit_log_actor_type_check CHECK (actor_type = ANY (ARRAY['user'::text, 'connection'::text, 'system'::text])),
  CONSTRAINT audit_log_check CHECK ((actor_type = 'system'::text) = (actor_id IS NULL)),
  CONSTRAINT audit_log_type_check CHECK (length(type) >= 1 AND length(type) <= 100)
);
CREATE INDEX audit_log_actor_idx ON audit_log USING btree (org_id, actor_id, id DESC) WHERE (actor_id IS NOT NULL);
CREATE INDEX audit_log_org_idx ON audit_log USING btree (org_id, id DESC);
CREATE INDEX audit_log_type_idx ON audit_log USING btree (org_id, type, id DESC);
CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_queue_for_chain AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_queue_for_chain();

CREATE TABLE audit_signing_keys (
  kid text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_key text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  retired_at timestamp with time zone,
  CONSTRAINT audit_signing_keys_pkey PRIMARY KEY (kid)
);

CREATE TABLE callback_secrets (
  org_id uuid NOT NULL,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamp with time zone,
  rotated_at timestamp with time zone,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT callback_secrets_pkey PRIMARY KEY (org_id),
  CONSTRAINT callback_secrets_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE comments (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  approval_id uuid NOT NULL,
  org_id uuid NOT NULL,
  author_type text NOT NULL,
  user_id uuid,
  connection_id uuid,
  author_name text,
  body text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT comments_pkey PRIMARY KEY (id),
  CONSTRAINT comments_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id),
  CONSTRAINT comments_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT comments_author_type_check CHECK (author_type = ANY (ARRAY['connection'::text, 'user'::text]))
);
CREATE INDEX comments_approval_idx ON comments USING btree (approval_id, created_at);

CREATE TABLE connections (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  name text NOT NULL,
  auth_type text DEFAULT 'api_key'::text NOT NULL,
  key_hash text,
  key_prefix text,
  scopes text[] NOT NULL,
  rate_limit integer DEFAULT 100 NOT NULL,
  user_id uuid,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  revoked_at timestamp with time zone,
  created_by_user_id uuid,
  rate_limit_window text DEFAULT 'hour'::text NOT NULL,
  expires_at timestamp with time zone,
  rotated_from uuid,
  expiry_warned_at timestamp with time zone,
  CONSTRAINT connections_pkey PRIMARY KEY (id),
  CONSTRAINT connections_key_hash_key UNIQUE (key_hash),
  CONSTRAINT connections_created_by_user_id_fkey FOREIGN KEY (created_by_user_id) REFERENCES users(id),
  CONSTRAINT connections_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT connections_rotated_from_fkey FOREIGN KEY (rotated_from) REFERENCES connections(id),
  CONSTRAINT connections_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id),
  CONSTRAINT connections_auth_type_check CHECK (auth_type = ANY (ARRAY['api_key'::text, 'oauth'::text])),
  CONSTRAINT connections_name_check CHECK (length(name) >= 1 AND length(name) <= 200),
  CONSTRAINT connections_rate_limit_check CHECK (rate_limit >= 1 AND rate_limit <= 10000),
  CONSTRAINT connections_rate_limit_window_check CHECK (rate_limit_window = ANY (ARRAY['minute'::text, 'hour'::text]))
);
CREATE INDEX connections_created_by_idx ON connections USING btree (org_id, created_by_user_id) WHERE (revoked_at IS NULL);
CREATE INDEX connections_expiry_warning_idx ON connections USING btree (expires_at) WHERE ((expires_at IS NOT NULL) AND (revoked_at IS NULL) AND (expiry_warned_at IS NULL));
CREATE INDEX connections_org_idx ON connections USING btree (org_id, created_at DESC);
CREATE TRIGGER connections_auth_change AFTER DELETE OR UPDATE ON connections FOR EACH ROW EXECUTE FUNCTION announce_auth_change('connection');

CREATE TABLE decision_links (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  token_hash text NOT NULL,
  token_sealed text NOT NULL,
  org_id uuid NOT NULL,
  approval_id uuid NOT NULL,
  user_id uuid NOT NULL,
  decision text NOT NULL,
  delivery_id uuid NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  used_at timestamp with time zone,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  channel text DEFAULT 'email'::text NOT NULL,
  CONSTRAINT decision_links_pkey PRIMARY KEY (id),
  CONSTRAINT decision_links_delivery_id_decision_key UNIQUE (delivery_id, decision),
  CONSTRAINT decision_links_token_hash_key UNIQUE (token_hash),
  CONSTRAINT decision_links_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id),
  CONSTRAINT decision_links_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries(id),
  CONSTRAINT decision_links_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT decision_links_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id),
  CONSTRAINT decision_links_channel_check CHECK (channel = ANY (ARRAY['email'::text, 'webpush'::text])),
  CONSTRAINT decision_links_decision_check CHECK (decision = ANY (ARRAY['approve'::text, 'reject'::text]))
);
CREATE INDEX decision_links_approval_idx ON decision_links USING btree (approval_id);

CREATE TABLE delegations (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  delegate_id uuid NOT NULL,
  starts_at timestamp with time zone NOT NULL,
  ends_at timestamp with time zone NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT delegations_pkey PRIMARY KEY (org_id, user_id),
  CONSTRAINT delegations_delegate_id_fkey FOREIGN KEY (delegate_id) REFERENCES users(id),
  CONSTRAINT delegations_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT delegations_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id),
  CONSTRAINT delegations_check CHECK (delegate_id <> user_id),
  CONSTRAINT delegations_check1 CHECK (ends_at > starts_at)
);
CREATE INDEX delegations_delegate_idx ON delegations USING btree (org_id, delegate_id);

CREATE TABLE deliveries (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
  event_id bigint,
  org_id uuid NOT NULL,
  approval_id uuid,
  event_type text,
  sealed jsonb,
  body text,
  status text DEFAULT 'pending'::text NOT NULL,
  attempts integer DEFAULT 0 NOT NULL,
  schedule_base integer DEFAULT 0 NOT NULL,
  next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
  lease_until timestamp with time zone,
  last_status integer,
  last_error text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  delivered_at timestamp with time zone,
  recipient_user_id uuid,
  channel text NOT NULL,
  kind text NOT NULL,
  payload jsonb DEFAULT '{}'::jsonb NOT NULL,
  dedupe_key text,
  CONSTRAINT deliveries_pkey PRIMARY KEY (id),
  CONSTRAINT deliveries_seq_key UNIQUE (seq),
  CONSTRAINT deliveries_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id),
  CONSTRAINT deliveries_event_id_fkey FOREIGN KEY (event_id) REFERENCES events(id),
  CONSTRAINT deliveries_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT deliveries_recipient_user_id_fkey FOREIGN KEY (recipient_user_id) REFERENCES users(id),
  CONSTRAINT deliveries_channel_check CHECK (channel ~ '^[a-z][a-z0-9_]{0,31}$'::text),
  CONSTRAINT deliveries_event_type_check CHECK ((event_id IS NULL) = (event_type IS NULL)),
  CONSTRAINT deliveries_kind_check CHECK (kind ~ '^[a-z][a-z0-9_]{0,63}$'::text),
  CONSTRAINT deliveries_status_check CHECK (status = ANY (ARRAY['pending'::text, 'delivering'::text, 'delivered'::text, 'failed'::text, 'gone'::text]))
);
CREATE INDEX deliveries_approval_idx ON deliveries USING btree (approval_id, seq DESC) WHERE (approval_id IS NOT NULL);
CREATE UNIQUE INDEX deliveries_dedupe_key ON deliveries USING btree (channel, dedupe_key) WHERE (dedupe_key IS NOT NULL);
CREATE INDEX deliveries_due_idx ON deliveries USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'delivering'::text]));
CREATE INDEX deliveries_event_idx ON deliveries USING btree (event_id);
CREATE INDEX deliveries_org_idx ON deliveries USING btree (org_id, seq DESC);
CREATE INDEX deliveries_subscription_idx ON deliveries USING btree ((((payload ->> 'subscription_id'::text))::uuid), seq DESC) WHERE ((channel = 'webhook'::text) AND (kind = 'subscription'::text));

CREATE TABLE delivery_attempts (
  delivery_id uuid NOT NULL,
  attempt integer NOT NULL,
  started_at timestamp with time zone NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text,
  worker text NOT NULL,
  CONSTRAINT delivery_attempts_pkey PRIMARY KEY (delivery_id, attempt),
  CONSTRAINT delivery_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries(id),
  CONSTRAINT delivery_attempts_attempt_check CHECK (attempt >= 1)
);

CREATE TABLE discord_buttons (
  token_hash text NOT NULL,
  org_id uuid NOT NULL,
  approval_id uuid NOT NULL,
  user_id uuid,
  decision text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  used_at timestamp with time zone,
  CONSTRAINT discord_buttons_pkey PRIMARY KEY (token_hash),
  CONSTRAINT discord_buttons_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id) ON DELETE CASCADE,
  CONSTRAINT discord_buttons_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT discord_buttons_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT discord_buttons_decision_check CHECK (decision = ANY (ARRAY['approve'::text, 'reject'::text, 'comment'::text]))
);
CREATE INDEX discord_buttons_approval_idx ON discord_buttons USING btree (approval_id);

CREATE TABLE discord_interactions_seen (
  interaction_id text NOT NULL,
  seen_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT discord_interactions_seen_pkey PRIMARY KEY (interaction_id)
);
CREATE INDEX discord_interactions_seen_at_idx ON discord_interactions_seen USING btree (seen_at);

CREATE TABLE discord_link_codes (
  code_hash text NOT NULL,
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  used_at timestamp with time zone,
  CONSTRAINT discord_link_codes_pkey PRIMARY KEY (code_hash),
  CONSTRAINT discord_link_codes_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT discord_link_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE discord_links (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  discord_user_id text NOT NULL,
  discord_username text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT discord_links_pkey PRIMARY KEY (org_id, user_id),
  CONSTRAINT discord_links_org_id_discord_user_id_key UNIQUE (org_id, discord_user_id),
  CONSTRAINT discord_links_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT discord_links_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE discord_settings (
  org_id uuid NOT NULL,
  application_id text NOT NULL,
  bot_token text NOT NULL,
  public_key text NOT NULL,
  channel_id text,
  bot_username text,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT discord_settings_pkey PRIMARY KEY (org_id),
  CONSTRAINT discord_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE engine_resumes (
  approval_id uuid NOT NULL,
  org_id uuid NOT NULL,
  engine text NOT NULL,
  target text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT engine_resumes_pkey PRIMARY KEY (approval_id),
  CONSTRAINT engine_resumes_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id) ON DELETE CASCADE,
  CONSTRAINT engine_resumes_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT engine_resumes_engine_check CHECK (engine = ANY (ARRAY['trigger.dev'::text, 'step-functions'::text, 'inngest'::text]))
);

CREATE TABLE engine_settings (
  org_id uuid NOT NULL,
  trigger_dev_secret_key text,
  step_functions_region text,
  step_functions_access_key_id text,
  step_functions_secret_access_key text,
  inngest_event_key text,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT engine_settings_pkey PRIMARY KEY (org_id),
  CONSTRAINT engine_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE events (
  id bigint DEFAULT nextval('events_id_seq'::regclass) NOT NULL,
  org_id uuid NOT NULL,
  approval_id uuid,
  type text NOT NULL,
  actor_type text NOT NULL,
  actor_id uuid,
  actor_name text,
  from_status text,
  to_status text,
  data jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
  CONSTRAINT events_pkey PRIMARY KEY (id),
  CONSTRAINT events_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id),
  CONSTRAINT events_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT events_actor_type_check CHECK (actor_type = ANY (ARRAY['connection'::text, 'user'::text, 'system'::text]))
);
CREATE INDEX events_approval_idx ON events USING btree (approval_id, id);
CREATE INDEX events_org_xid_idx ON events USING btree (org_id, xid, id);
CREATE TRIGGER events_append_only BEFORE DELETE OR UPDATE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_chain_decision AFTER INSERT ON events FOR EACH ROW WHEN ((new.type = ANY (ARRAY['approval.vote_recorded'::text, 'approval.approved'::text, 'approval.rejected'::text, 'step.vote_recorded'::text, 'step.decided'::text, 'approval.revoked'::text]))) EXECUTE FUNCTION events_chain_decision();
CREATE TRIGGER events_fan_out AFTER INSERT ON events FOR EACH ROW WHEN ((new.type <> 'approval.created'::text)) EXECUTE FUNCTION events_fan_out();

CREATE TABLE flow_versions (
  flow_id uuid NOT NULL,
  version integer NOT NULL,
  definition jsonb NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT flow_versions_pkey PRIMARY KEY (flow_id, version),
  CONSTRAINT flow_versions_flow_id_fkey FOREIGN KEY (flow_id) REFERENCES flows(id)
);

CREATE TABLE flows (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  name text NOT NULL,
  version integer DEFAULT 1 NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  deleted_at timestamp with time zone,
  CONSTRAINT flows_pkey PRIMARY KEY (id),
  CONSTRAINT flows_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT flows_name_check CHECK (length(name) >= 1 AND length(name) <= 200)
);
CREATE UNIQUE INDEX flows_org_name_key ON flows USING btree (org_id, lower(name)) WHERE (deleted_at IS NULL);

CREATE TABLE github_deployment_reviews (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  approval_id uuid NOT NULL,
  installation_id bigint NOT NULL,
  repository text NOT NULL,
  run_id bigint NOT NULL,
  environment text NOT NULL,
  deployment_id bigint NOT NULL,
  callback_url text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  run_cancelled_at timestamp with time zone,
  CONSTRAINT github_deployment_reviews_pkey PRIMARY KEY (id),
  CONSTRAINT github_deployment_reviews_approval_id_key UNIQUE (approval_id),
  CONSTRAINT github_deployment_reviews_org_id_run_id_environment_deploym_key UNIQUE (org_id, run_id, environment, deployment_id),
  CONSTRAINT github_deployment_reviews_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id) ON DELETE CASCADE,
  CONSTRAINT github_deployment_reviews_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);
CREATE INDEX github_deployment_reviews_run_idx ON github_deployment_reviews USING btree (org_id, run_id);

CREATE TABLE github_settings (
  org_id uuid NOT NULL,
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  app_id bigint NOT NULL,
  app_slug text,
  private_key text NOT NULL,
  webhook_secret text NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT github_settings_pkey PRIMARY KEY (org_id),
  CONSTRAINT github_settings_id_key UNIQUE (id),
  CONSTRAINT github_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE github_webhook_deliveries (
  org_id uuid NOT NULL,
  delivery_id text NOT NULL,
  event text NOT NULL,
  received_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT github_webhook_deliveries_pkey PRIMARY KEY (org_id, delivery_id),
  CONSTRAINT github_webhook_deliveries_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE grants (
  id uuid NOT NULL,
  org_id uuid NOT NULL,
  given_by uuid NOT NULL,
  given_on uuid NOT NULL,
  connection_id uuid NOT NULL,
  agent_session text,
  action_type text NOT NULL,
  fields jsonb DEFAULT '{}'::jsonb NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  max_uses integer,
  uses integer DEFAULT 0 NOT NULL,
  revoked_at timestamp with time zone,
  revoked_by_type text,
  revoked_by_id uuid,
  action_prefix text GENERATED ALWAYS AS "substring"(action_type, '^[^][*?{}()!+@\\]*'::text) STORED,
  CONSTRAINT grants_pkey PRIMARY KEY (id),
  CONSTRAINT grants_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES connections(id),
  CONSTRAINT grants_given_by_fkey FOREIGN KEY (given_by) REFERENCES users(id),
  CONSTRAINT grants_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT grants_check CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)),
  CONSTRAINT grants_max_uses_check CHECK (max_uses >= 1),
  CONSTRAINT grants_revoked_by_type_check CHECK (revoked_by_type = ANY (ARRAY['user'::text, 'connection'::text]))
);
CREATE INDEX grants_live_match_idx ON grants USING btree (org_id, connection_id, action_prefix, expires_at) WHERE (revoked_at IS NULL);
CREATE INDEX grants_org_idx ON grants USING btree (org_id, created_at DESC);

CREATE TABLE memberships (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  role text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  see_sensitive boolean DEFAULT false NOT NULL,
  CONSTRAINT memberships_pkey PRIMARY KEY (org_id, user_id),
  CONSTRAINT memberships_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id),
  CONSTRAINT memberships_role_check CHECK (role = ANY (ARRAY['admin'::text, 'approver'::text, 'viewer'::text]))
);

CREATE TABLE msteams_button_uses (
  token_hash text NOT NULL,
  user_id uuid NOT NULL,
  used_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT msteams_button_uses_pkey PRIMARY KEY (token_hash, user_id),
  CONSTRAINT msteams_button_uses_token_hash_fkey FOREIGN KEY (token_hash) REFERENCES msteams_buttons(token_hash) ON DELETE CASCADE,
  CONSTRAINT msteams_button_uses_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE msteams_buttons (
  token_hash text NOT NULL,
  org_id uuid NOT NULL,
  approval_id uuid NOT NULL,
  user_id uuid,
  decision text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT msteams_buttons_pkey PRIMARY KEY (token_hash),
  CONSTRAINT msteams_buttons_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id) ON DELETE CASCADE,
  CONSTRAINT msteams_buttons_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT msteams_buttons_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT msteams_buttons_decision_check CHECK (decision = ANY (ARRAY['approve'::text, 'reject'::text, 'comment'::text]))
);
CREATE INDEX msteams_buttons_approval_idx ON msteams_buttons USING btree (approval_id);

CREATE TABLE msteams_link_codes (
  code_hash text NOT NULL,
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  used_at timestamp with time zone,
  CONSTRAINT msteams_link_codes_pkey PRIMARY KEY (code_hash),
  CONSTRAINT msteams_link_codes_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT msteams_link_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE msteams_links (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  msteams_user_id text NOT NULL,
  aad_object_id text,
  conversation_id text NOT NULL,
  service_url text NOT NULL,
  msteams_name text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT msteams_links_pkey PRIMARY KEY (org_id, user_id),
  CONSTRAINT msteams_links_org_id_msteams_user_id_key UNIQUE (org_id, msteams_user_id),
  CONSTRAINT msteams_links_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT msteams_links_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE msteams_settings (
  org_id uuid NOT NULL,
  app_id text NOT NULL,
  app_password text NOT NULL,
  tenant_id text,
  channel_id text,
  service_url text,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT msteams_settings_pkey PRIMARY KEY (org_id),
  CONSTRAINT msteams_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE notification_preferences (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  preferences jsonb NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT notification_preferences_pkey PRIMARY KEY (org_id, user_id),
  CONSTRAINT notification_preferences_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT notification_preferences_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE oauth_client_blocks (
  org_id uuid NOT NULL,
  client_id uuid NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT oauth_client_blocks_pkey PRIMARY KEY (org_id, client_id),
  CONSTRAINT oauth_client_blocks_client_id_fkey FOREIGN KEY (client_id) REFERENCES oauth_clients(id),
  CONSTRAINT oauth_client_blocks_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE oauth_clients (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid,
  client_id text NOT NULL,
  client_secret_hash text,
  name text NOT NULL,
  redirect_uris text[] NOT NULL,
  scopes text[] NOT NULL,
  rate_limit integer DEFAULT 100 NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  revoked_at timestamp with time zone,
  rate_limit_window text DEFAULT 'hour'::text NOT NULL,
  registration text DEFAULT 'admin'::text NOT NULL,
  expires_at timestamp with time zone,
  expiry_warned_at timestamp with time zone,
  created_by_user_id uuid,
  previous_secret_hash text,
  previous_secret_expires_at timestamp with time zone,
  previous_secret_warned_at timestamp with time zone,
  secret_rotated_at timestamp with time zone,
  CONSTRAINT oauth_clients_pkey PRIMARY KEY (id),
  CONSTRAINT oauth_clients_client_id_key UNIQUE (client_id),
  CONSTRAINT oauth_clients_created_by_user_id_fkey FOREIGN KEY (created_by_user_id) REFERENCES users(id),
  CONSTRAINT oauth_clients_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT oauth_clients_name_check CHECK (length(name) >= 1 AND length(name) <= 200),
  CONSTRAINT oauth_clients_previous_secret_whole CHECK ((previous_secret_hash IS NULL) = (previous_secret_expires_at IS NULL)),
  CONSTRAINT oauth_clients_rate_limit_check CHECK (rate_limit >= 1 AND rate_limit <= 10000),
  CONSTRAINT oauth_clients_rate_limit_window_check CHECK (rate_limit_window = ANY (ARRAY['minute'::text, 'hour'::text])),
  CONSTRAINT oauth_clients_redirect_uris_check CHECK (cardinality(redirect_uris) >= 1 AND cardinality(redirect_uris) <= 20),
  CONSTRAINT oauth_clients_registration_check CHECK (registration = ANY (ARRAY['admin'::text, 'dynamic'::text])),
  CONSTRAINT oauth_clients_registration_shape CHECK (registration = 'admin'::text AND org_id IS NOT NULL AND client_secret_hash IS NOT NULL OR registration = 'dynamic'::text AND org_id IS NULL AND client_secret_hash IS NULL)
);
CREATE INDEX oauth_clients_dynamic_created_idx ON oauth_clients USING btree (created_at) WHERE (registration = 'dynamic'::text);
CREATE INDEX oauth_clients_expiry_warning_idx ON oauth_clients USING btree (expires_at) WHERE ((expires_at IS NOT NULL) AND (revoked_at IS NULL) AND (expiry_warned_at IS NULL));
CREATE INDEX oauth_clients_org_idx ON oauth_clients USING btree (org_id, created_at DESC);

CREATE TABLE oauth_codes (
  code_hash text NOT NULL,
  client_id uuid NOT NULL,
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  redirect_uri text NOT NULL,
  scopes text[] NOT NULL,
  code_challenge text,
  code_challenge_method text,
  expires_at timestamp with time zone NOT NULL,
  used_at timestamp with time zone,
  reuse_detected_at timestamp with time zone,
  connection_id uuid,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  resource text,
  CONSTRAINT oauth_codes_pkey PRIMARY KEY (code_hash),
  CONSTRAINT oauth_codes_client_id_fkey FOREIGN KEY (client_id) REFERENCES oauth_clients(id),
  CONSTRAINT oauth_codes_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES connections(id),
  CONSTRAINT oauth_codes_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT oauth_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id),
  CONSTRAINT oauth_codes_code_challenge_method_check CHECK (code_challenge_method = 'S256'::text)
);
CREATE INDEX oauth_codes_client_idx ON oauth_codes USING btree (client_id);
CREATE INDEX oauth_codes_org_client_idx ON oauth_codes USING btree (org_id, client_id);

CREATE TABLE oauth_tokens (
  token_hash text NOT NULL,
  kind text NOT NULL,
  connection_id uuid NOT NULL,
  client_id uuid NOT NULL,
  scopes text[] NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  revoked_at timestamp with time zone,
  rotated_at timestamp with time zone,
  successor_ciphertext text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  resource text,
  CONSTRAINT oauth_tokens_pkey PRIMARY KEY (token_hash),
  CONSTRAINT oauth_tokens_client_id_fkey FOREIGN KEY (client_id) REFERENCES oauth_clients(id),
  CONSTRAINT oauth_tokens_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES connections(id),
  CONSTRAINT oauth_tokens_kind_check CHECK (kind = ANY (ARRAY['access'::text, 'refresh'::text]))
);
CREATE INDEX oauth_tokens_connection_idx ON oauth_tokens USING btree (connection_id);

CREATE TABLE orgs (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  slug text NOT NULL,
  name text NOT NULL,
  emergency_stop boolean DEFAULT false NOT NULL,
  emergency_stop_changed_at timestamp with time zone,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  admin_override boolean DEFAULT false NOT NULL,
  resolve_policy text DEFAULT 'approvers'::text NOT NULL,
  notification_defaults jsonb,
  reminder_policy jsonb,
  step_up_priorities text[] DEFAULT '{}'::text[] NOT NULL,
  step_up_action_types text[] DEFAULT '{}'::text[] NOT NULL,
  CONSTRAINT orgs_pkey PRIMARY KEY (id),
  CONSTRAINT orgs_slug_key UNIQUE (slug),
  CONSTRAINT orgs_resolve_policy_check CHECK (resolve_policy = ANY (ARRAY['approvers'::text, 'admin_only'::text])),
  CONSTRAINT orgs_slug_check CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'::text)
);
CREATE TRIGGER orgs_auth_change AFTER DELETE OR UPDATE ON orgs FOR EACH ROW EXECUTE FUNCTION announce_auth_change('org');

CREATE TABLE passkey_challenges (
  session_token_hash text NOT NULL,
  purpose text NOT NULL,
  challenge text NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  CONSTRAINT passkey_challenges_pkey PRIMARY KEY (session_token_hash, purpose),
  CONSTRAINT passkey_challenges_session_token_hash_fkey FOREIGN KEY (session_token_hash) REFERENCES sessions(token_hash) ON DELETE CASCADE,
  CONSTRAINT passkey_challenges_purpose_check CHECK (purpose = ANY (ARRAY['register'::text, 'step_up'::text]))
);

CREATE TABLE passkeys (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  user_id uuid NOT NULL,
  credential_id text NOT NULL,
  public_key bytea NOT NULL,
  counter bigint DEFAULT 0 NOT NULL,
  transports text[] DEFAULT '{}'::text[] NOT NULL,
  name text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  last_used_at timestamp with time zone,
  CONSTRAINT passkeys_pkey PRIMARY KEY (id),
  CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id),
  CONSTRAINT passkeys_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT passkeys_name_check CHECK (length(name) >= 1 AND length(name) <= 100)
);
CREATE INDEX passkeys_user_idx ON passkeys USING btree (user_id);

CREATE TABLE policy_sets (
  org_id uuid NOT NULL,
  version integer NOT NULL,
  source text NOT NULL,
  never_without_person jsonb NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_by_type text NOT NULL,
  updated_by_id uuid,
  CONSTRAINT policy_sets_pkey PRIMARY KEY (org_id),
  CONSTRAINT policy_sets_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT policy_sets_updated_by_type_check CHECK (updated_by_type = ANY (ARRAY['user'::text, 'connection'::text, 'system'::text])),
  CONSTRAINT policy_sets_version_check CHECK (version >= 1)
);

CREATE TABLE policy_shadow_results (
  approval_id uuid NOT NULL,
  org_id uuid NOT NULL,
  policy_id text NOT NULL,
  version integer NOT NULL,
  would text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT policy_shadow_results_pkey PRIMARY KEY (approval_id, policy_id),
  CONSTRAINT policy_shadow_results_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id) ON DELETE CASCADE,
  CONSTRAINT policy_shadow_results_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT policy_shadow_results_would_check CHECK (would = ANY (ARRAY['approve'::text, 'reject'::text]))
);
CREATE INDEX policy_shadow_results_org_idx ON policy_shadow_results USING btree (org_id, policy_id);

CREATE TABLE routing_rule_sets (
  org_id uuid NOT NULL,
  version integer NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_by_type text NOT NULL,
  updated_by_id uuid,
  CONSTRAINT routing_rule_sets_pkey PRIMARY KEY (org_id),
  CONSTRAINT routing_rule_sets_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT routing_rule_sets_updated_by_type_check CHECK (updated_by_type = ANY (ARRAY['user'::text, 'connection'::text, 'system'::text])),
  CONSTRAINT routing_rule_sets_version_check CHECK (version >= 1)
);

CREATE TABLE routing_rules (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  position integer NOT NULL,
  name text NOT NULL,
  enabled boolean DEFAULT true NOT NULL,
  match jsonb NOT NULL,
  action jsonb NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT routing_rules_pkey PRIMARY KEY (id),
  CONSTRAINT routing_rules_org_id_position_key UNIQUE (org_id, "position"),
  CONSTRAINT routing_rules_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT routing_rules_name_check CHECK (length(name) >= 1 AND length(name) <= 200),
  CONSTRAINT routing_rules_position_check CHECK ("position" >= 1)
);

CREATE TABLE schema_migrations (
  name text NOT NULL,
  applied_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT schema_migrations_pkey PRIMARY KEY (name)
);

CREATE TABLE scim_groups (
  team_id uuid NOT NULL,
  org_id uuid NOT NULL,
  external_id text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT scim_groups_pkey PRIMARY KEY (team_id),
  CONSTRAINT scim_groups_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT scim_groups_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams(id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX scim_groups_external_id_key ON scim_groups USING btree (org_id, external_id) WHERE (external_id IS NOT NULL);

CREATE TABLE scim_tokens (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  token_hash text NOT NULL,
  token_prefix text NOT NULL,
  default_role text DEFAULT 'approver'::text NOT NULL,
  created_by_user_id uuid,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  last_used_at timestamp with time zone,
  revoked_at timestamp with time zone,
  CONSTRAINT scim_tokens_pkey PRIMARY KEY (id),
  CONSTRAINT scim_tokens_token_hash_key UNIQUE (token_hash),
  CONSTRAINT scim_tokens_created_by_user_id_fkey FOREIGN KEY (created_by_user_id) REFERENCES users(id),
  CONSTRAINT scim_tokens_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT scim_tokens_default_role_check CHECK (default_role = ANY (ARRAY['viewer'::text, 'approver'::text]))
);
CREATE UNIQUE INDEX scim_tokens_live_org_key ON scim_tokens USING btree (org_id) WHERE (revoked_at IS NULL);

CREATE TABLE scim_users (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  user_name text NOT NULL,
  external_id text,
  given_name text,
  family_name text,
  display_name text,
  email text,
  active boolean DEFAULT true NOT NULL,
  role text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT scim_users_pkey PRIMARY KEY (org_id, user_id),
  CONSTRAINT scim_users_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT scim_users_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id),
  CONSTRAINT scim_users_role_check CHECK (role = ANY (ARRAY['viewer'::text, 'approver'::text, 'admin'::text]))
);
CREATE UNIQUE INDEX scim_users_external_id_key ON scim_users USING btree (org_id, external_id) WHERE (external_id IS NOT NULL);
CREATE UNIQUE INDEX scim_users_user_name_key ON scim_users USING btree (org_id, lower(user_name));

CREATE TABLE sent_messages (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  approval_id uuid NOT NULL,
  delivery_id uuid NOT NULL,
  recipient_user_id uuid,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  address jsonb NOT NULL,
  channel text NOT NULL,
  CONSTRAINT sent_messages_pkey PRIMARY KEY (id),
  CONSTRAINT sent_messages_delivery_id_key UNIQUE (delivery_id),
  CONSTRAINT slack_messages_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id),
  CONSTRAINT slack_messages_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES deliveries(id),
  CONSTRAINT slack_messages_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT slack_messages_recipient_user_id_fkey FOREIGN KEY (recipient_user_id) REFERENCES users(id)
);
CREATE UNIQUE INDEX sent_messages_address_key ON sent_messages USING btree (channel, address);
CREATE INDEX sent_messages_approval_idx ON sent_messages USING btree (approval_id);

CREATE TABLE sessions (
  token_hash text NOT NULL,
  user_id uuid NOT NULL,
  org_id uuid NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  stepped_up_until timestamp with time zone,
  CONSTRAINT sessions_pkey PRIMARY KEY (token_hash),
  CONSTRAINT sessions_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
);

CREATE TABLE sign_in_tokens (
  token_hash text NOT NULL,
  user_id uuid NOT NULL,
  org_id uuid NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  used_at timestamp with time zone,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  resets_password boolean DEFAULT false NOT NULL,
  invite_role text,
  CONSTRAINT sign_in_tokens_pkey PRIMARY KEY (token_hash),
  CONSTRAINT sign_in_tokens_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT sign_in_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id),
  CONSTRAINT sign_in_tokens_invite_role_check CHECK (invite_role = ANY (ARRAY['admin'::text, 'approver'::text, 'viewer'::text]))
);

CREATE TABLE slack_settings (
  org_id uuid NOT NULL,
  bot_token text NOT NULL,
  signing_secret text NOT NULL,
  default_channel text,
  dm_approvers boolean DEFAULT false NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT slack_settings_pkey PRIMARY KEY (org_id),
  CONSTRAINT slack_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE sso_domains (
  domain text NOT NULL,
  org_id uuid NOT NULL,
  CONSTRAINT sso_domains_pkey PRIMARY KEY (domain),
  CONSTRAINT sso_domains_org_id_fkey FOREIGN KEY (org_id) REFERENCES sso_settings(org_id) ON DELETE CASCADE,
  CONSTRAINT sso_domains_domain_check CHECK (domain = lower(domain))
);
CREATE INDEX sso_domains_org_idx ON sso_domains USING btree (org_id);

CREATE TABLE sso_identities (
  org_id uuid NOT NULL,
  issuer text NOT NULL,
  subject text NOT NULL,
  user_id uuid NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  last_sign_in_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT sso_identities_pkey PRIMARY KEY (org_id, issuer, subject),
  CONSTRAINT sso_identities_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT sso_identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
);
CREATE UNIQUE INDEX sso_identities_user_key ON sso_identities USING btree (org_id, issuer, user_id);

CREATE TABLE sso_logins (
  state_hash text NOT NULL,
  org_id uuid NOT NULL,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  return_to text DEFAULT '/'::text NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  used_at timestamp with time zone,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT sso_logins_pkey PRIMARY KEY (state_hash),
  CONSTRAINT sso_logins_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id) ON DELETE CASCADE
);
CREATE INDEX sso_logins_expires_idx ON sso_logins USING btree (expires_at);

CREATE TABLE sso_settings (
  org_id uuid NOT NULL,
  issuer text NOT NULL,
  client_id text NOT NULL,
  client_secret text NOT NULL,
  require_sso boolean DEFAULT false NOT NULL,
  default_role text DEFAULT 'viewer'::text NOT NULL,
  groups_claim text,
  group_roles jsonb DEFAULT '{}'::jsonb NOT NULL,
  additional_scopes text[] DEFAULT '{}'::text[] NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT sso_settings_pkey PRIMARY KEY (org_id),
  CONSTRAINT sso_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT sso_settings_default_role_check CHECK (default_role = ANY (ARRAY['admin'::text, 'approver'::text, 'viewer'::text])),
  CONSTRAINT sso_settings_group_roles_check CHECK (jsonb_typeof(group_roles) = 'object'::text)
);

CREATE TABLE team_members (
  team_id uuid NOT NULL,
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  added_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT team_members_pkey PRIMARY KEY (team_id, user_id),
  CONSTRAINT team_members_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT team_members_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams(id) ON DELETE CASCADE,
  CONSTRAINT team_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id)
);
CREATE INDEX team_members_user_idx ON team_members USING btree (org_id, user_id);

CREATE TABLE teams (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  name text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT teams_pkey PRIMARY KEY (id),
  CONSTRAINT teams_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT teams_name_check CHECK (length(name) >= 1 AND length(name) <= 200)
);
CREATE UNIQUE INDEX teams_org_name_key ON teams USING btree (org_id, lower(name));

CREATE TABLE telegram_buttons (
  token_hash text NOT NULL,
  org_id uuid NOT NULL,
  approval_id uuid NOT NULL,
  user_id uuid NOT NULL,
  decision text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  used_at timestamp with time zone,
  CONSTRAINT telegram_buttons_pkey PRIMARY KEY (token_hash),
  CONSTRAINT telegram_buttons_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id) ON DELETE CASCADE,
  CONSTRAINT telegram_buttons_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT telegram_buttons_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT telegram_buttons_decision_check CHECK (decision = ANY (ARRAY['approve'::text, 'reject'::text]))
);
CREATE INDEX telegram_buttons_approval_idx ON telegram_buttons USING btree (approval_id);

CREATE TABLE telegram_link_codes (
  code_hash text NOT NULL,
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  expires_at timestamp with time zone NOT NULL,
  used_at timestamp with time zone,
  CONSTRAINT telegram_link_codes_pkey PRIMARY KEY (code_hash),
  CONSTRAINT telegram_link_codes_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT telegram_link_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE telegram_links (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  telegram_user_id bigint NOT NULL,
  chat_id bigint NOT NULL,
  telegram_username text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT telegram_links_pkey PRIMARY KEY (org_id, user_id),
  CONSTRAINT telegram_links_org_id_telegram_user_id_key UNIQUE (org_id, telegram_user_id),
  CONSTRAINT telegram_links_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT telegram_links_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE telegram_settings (
  org_id uuid NOT NULL,
  bot_token text NOT NULL,
  webhook_secret text NOT NULL,
  bot_username text,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT telegram_settings_pkey PRIMARY KEY (org_id),
  CONSTRAINT telegram_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id)
);

CREATE TABLE timers (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  kind text NOT NULL,
  org_id uuid NOT NULL,
  approval_id uuid,
  step_order integer DEFAULT 0 NOT NULL,
  seq integer DEFAULT 1 NOT NULL,
  user_id uuid,
  digest_day date,
  fire_at timestamp with time zone NOT NULL,
  fired_at timestamp with time zone,
  cancelled_at timestamp with time zone,
  outcome text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT timers_pkey PRIMARY KEY (id),
  CONSTRAINT timers_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id) ON DELETE CASCADE,
  CONSTRAINT timers_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT timers_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT timers_check CHECK ((kind = 'digest'::text) = (approval_id IS NULL)),
  CONSTRAINT timers_check1 CHECK ((kind = 'digest'::text) = (user_id IS NOT NULL AND digest_day IS NOT NULL)),
  CONSTRAINT timers_kind_check CHECK (kind = ANY (ARRAY['remind'::text, 'escalate'::text, 'digest'::text]))
);
CREATE UNIQUE INDEX timers_digest_key ON timers USING btree (org_id, user_id, digest_day) WHERE (kind = 'digest'::text);
CREATE INDEX timers_due_idx ON timers USING btree (fire_at) WHERE ((fired_at IS NULL) AND (cancelled_at IS NULL));
CREATE UNIQUE INDEX timers_step_key ON timers USING btree (approval_id, step_order, kind, seq) WHERE (approval_id IS NOT NULL);
CREATE INDEX timers_waiting_idx ON timers USING btree (approval_id) WHERE ((fired_at IS NULL) AND (cancelled_at IS NULL));

CREATE TABLE users (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  email text NOT NULL,
  name text,
  password_hash text,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT users_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX users_email_key ON users USING btree (lower(email));

CREATE TABLE waiter_probes (
  approval_id uuid NOT NULL,
  org_id uuid NOT NULL,
  kind text DEFAULT 'callback'::text NOT NULL,
  last_waited_at timestamp with time zone,
  next_probe_at timestamp with time zone NOT NULL,
  lease_until timestamp with time zone,
  probes integer DEFAULT 0 NOT NULL,
  unreachable_since timestamp with time zone,
  last_status integer,
  last_error text,
  last_probed_at timestamp with time zone,
  done_at timestamp with time zone,
  CONSTRAINT waiter_probes_pkey PRIMARY KEY (approval_id),
  CONSTRAINT waiter_probes_approval_id_fkey FOREIGN KEY (approval_id) REFERENCES approvals(id) ON DELETE CASCADE,
  CONSTRAINT waiter_probes_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT waiter_probes_kind_check CHECK (kind = ANY (ARRAY['callback'::text, 'poll'::text]))
);
CREATE INDEX waiter_probes_due_idx ON waiter_probes USING btree (next_probe_at) WHERE (done_at IS NULL);

CREATE TABLE webhook_subscriptions (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  url text NOT NULL,
  events text[] NOT NULL,
  description text,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamp with time zone,
  secret_rotated_at timestamp with time zone,
  status text DEFAULT 'active'::text NOT NULL,
  disabled_reason text,
  created_by_type text NOT NULL,
  created_by_id uuid,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  updated_at timestamp with time zone DEFAULT now() NOT NULL,
  disabled_at timestamp with time zone,
  deleted_at timestamp with time zone,
  created_by_connection_id uuid,
  CONSTRAINT webhook_subscriptions_pkey PRIMARY KEY (id),
  CONSTRAINT webhook_subscriptions_created_by_connection_id_fkey FOREIGN KEY (created_by_connection_id) REFERENCES connections(id),
  CONSTRAINT webhook_subscriptions_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT webhook_subscriptions_created_by_type_check CHECK (created_by_type = ANY (ARRAY['connection'::text, 'user'::text])),
  CONSTRAINT webhook_subscriptions_events_check CHECK (cardinality(events) >= 1),
  CONSTRAINT webhook_subscriptions_status_check CHECK (status = ANY (ARRAY['active'::text, 'disabled'::text, 'deleted'::text]))
);
CREATE INDEX webhook_subscriptions_connection_idx ON webhook_subscriptions USING btree (created_by_connection_id) WHERE (status = 'active'::text);
CREATE INDEX webhook_subscriptions_creator_idx ON webhook_subscriptions USING btree (org_id, created_by_id) WHERE (status = 'active'::text);
CREATE INDEX webhook_subscriptions_org_idx ON webhook_subscriptions USING btree (org_id, created_at) WHERE (status <> 'deleted'::text);

CREATE TABLE webpush_subscriptions (
  id uuid DEFAULT gen_random_uuid() NOT NULL,
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  endpoint text NOT NULL,
  p256dh text NOT NULL,
  auth text NOT NULL,
  device text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  last_sent_at timestamp with time zone,
  CONSTRAINT webpush_subscriptions_pkey PRIMARY KEY (id),
  CONSTRAINT webpush_subscriptions_org_id_endpoint_key UNIQUE (org_id, endpoint),
  CONSTRAINT webpush_subscriptions_org_id_fkey FOREIGN KEY (org_id) REFERENCES orgs(id),
  CONSTRAINT webpush_subscriptions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX webpush_subscriptions_person_idx ON webpush_subscriptions USING btree (org_id, user_id);

CREATE TABLE webpush_vapid (
  id boolean DEFAULT true NOT NULL,
  public_key text NOT NULL,
  private_key text NOT NULL,
  created_at timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT webpush_vapid_pkey PRIMARY KEY (id),
  CONSTRAINT webpush_vapid_id_check CHECK (id)
);

-- Functions (source: storage/functions/):
--   announce_auth_change() → trigger
--   approval_counts_delete() → trigger
--   approval_counts_insert() → trigger
--   approval_counts_truncate() → trigger
--   approval_counts_update() → trigger
--   audit_chain_append_only() → trigger
--   audit_chain_place(p_org uuid, p_audit_id bigint, p_decision jsonb) → void
--   audit_log_append_only() → trigger
--   audit_log_queue_for_chain() → trigger
--   events_append_only() → trigger
--   events_chain_decision() → trigger
--   events_fan_out() → trigger
--   greenlight_active_steps(p_approval uuid) → SETOF approval_steps
--   greenlight_append_event(p_org uuid, p_approval uuid, p_type text, p_actor_type text, p_actor_id uuid, p_actor_name text, p_from text, p_to text, p_data jsonb) → TABLE(id text, fanned_out boolean)
--   greenlight_approved_by(p_approval uuid, p_principal uuid, p_user uuid) → boolean
--   greenlight_asked_now(p_approval uuid, p_only uuid) → TABLE(user_id uuid, on_behalf_of uuid, step_order integer)
--   greenlight_callback_event_types() → text[]
--   greenlight_can_entry(p_reason text) → jsonb
--   greenlight_cancel(p_cancel jsonb) → TABLE(approval json, event_id text, wake_worker boolean)
--   greenlight_claim_deliveries(p_ids uuid[], p_lease_ms double precision) → SETOF deliveries
--   greenlight_claim_state(p_attempts integer, p_due timestamp with time zone, p_lease_until timestamp with time zone) → TABLE(status text, attempts integer, lease_until timestamp with time zone, next_attempt_at timestamp with time zone)
--   greenlight_close_steps() → trigger
--   greenlight_create_approval(p_item jsonb) → TABLE(org_open boolean, event_id bigint, approval json, fanned_out boolean, notify json, can_columns json, run_steps json)
--   greenlight_create_approvals(p_items jsonb) → TABLE(ord integer, org_open boolean, event_id bigint, approval json, fanned_out boolean, notify json, can_columns json, run_steps json)
--   greenlight_decide(p_vote jsonb) → TABLE(approval json, step json, event json, event_ids text[], event_types text[], delivery json, secret text, previous_secret text, wake_worker boolean)
--   greenlight_event_notification(org_id uuid, event_id bigint, approval_id uuid, type text) → text
--   greenlight_final_event_types() → text[]
--   greenlight_fold_approval_counts() → integer
--   greenlight_front_steps(p_approval uuid) → SETOF approval_steps
--   greenlight_lock_pending(p_org uuid, p_approval uuid) → approvals
--   greenlight_manager_refusal(p_requested_by_type text, p_requested_by_id uuid, p_principal_type text, p_principal_id uuid, p_role text, p_change text) → text
--   greenlight_notification_kind(p_event_type text) → text
--   greenlight_org_chats(p_org uuid) → boolean
--   greenlight_org_deciders(p_org uuid) → SETOF uuid
--   greenlight_purge_closed(p_before timestamp with time zone, p_limit integer, p_older_than_days integer) → TABLE(org_id uuid, requests integer)
--   greenlight_queue_message_updates(p_approval uuid, p_message uuid, p_event bigint) → integer
--   greenlight_requester_person(p_type text, p_id uuid) → uuid
--   greenlight_require_manager(p_org uuid, p_approval uuid, p_principal_type text, p_principal_id uuid, p_role text, p_change text) → void
--   greenlight_run_steps(p_approval uuid) → json
--   greenlight_stand_in(p_org uuid, p_user uuid) → uuid
--   greenlight_step_access(p_step approval_steps, p_user uuid, p_privileged boolean, p_admin_only boolean, p_override boolean) → text
--   greenlight_step_approved(p_step approval_steps, p_requester_user uuid) → boolean
--   greenlight_step_asked(p_step approval_steps) → TABLE(user_id uuid, on_behalf_of uuid)
--   greenlight_step_people(p_step approval_steps) → SETOF uuid
--   greenlight_viewer_can(p_approval uuid, p_principal_type text, p_principal_id uuid, p_user uuid, p_role text, p_may_write boolean, p_may_comment boolean) → jsonb
--   greenlight_viewer_can_asks(p_asks jsonb) → TABLE(ord integer, id uuid, can_columns json)
--   greenlight_vote_refusal(p_vote jsonb, p_path text[]) → text
--   greenlight_vote_step(p_approval uuid, p_step uuid, p_user uuid, p_privileged boolean, p_admin_only boolean, p_override boolean) → TABLE(target approval_steps, target_access text, first_pending approval_steps, first_access text, n_steps integer, all_others_approved boolean)
--   greenlight_waiting_for(p_approval uuid) → text
--   timers_cancel() → trigger
--   timers_follow_steps() → trigger
