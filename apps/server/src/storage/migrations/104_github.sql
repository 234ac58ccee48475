-- GitHub (channels/github, modules/github): an org's GitHub App, added to repositories' environments as a
-- custom deployment protection rule. Its private key and webhook secret are sealed like the other secrets.
-- `id` names the app as the requester of the requests its events create.
CREATE TABLE github_settings (
  org_id uuid PRIMARY KEY REFERENCES orgs(id),
  id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  app_id bigint NOT NULL,
  app_slug text,
  private_key text NOT NULL,
  webhook_secret text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One request per (workflow run, environment, deployment): GitHub asks once per environment a run deploys
-- to, and a redelivered event (a new delivery id) finds the request it already made. A re-run of the job
-- is a new deployment of the same run (its own deployment id), so it is asked again. `callback_url` is where the
-- decision goes (checked against GREENLIGHT_GITHUB_API_URL when received and again when sent).
-- `run_cancelled_at`: the run was cancelled on GitHub; its request is cancelled and nothing is sent.
CREATE TABLE github_deployment_reviews (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs(id),
  approval_id uuid NOT NULL UNIQUE REFERENCES approvals(id) ON DELETE CASCADE,
  installation_id bigint NOT NULL,
  repository text NOT NULL,
  run_id bigint NOT NULL,
  environment text NOT NULL,
  deployment_id bigint NOT NULL,
  callback_url text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  run_cancelled_at timestamptz,
  UNIQUE (org_id, run_id, environment, deployment_id)
);
CREATE INDEX github_deployment_reviews_run_idx ON github_deployment_reviews (org_id, run_id);

-- The X-GitHub-Delivery ids already handled, per org: a replayed event (GitHub signs no timestamp, so a
-- captured event verifies forever) is answered and changes nothing; the (run, environment) key above
-- stops a replay too, should these rows ever be pruned.
CREATE TABLE github_webhook_deliveries (
  org_id uuid NOT NULL REFERENCES orgs(id),
  delivery_id text NOT NULL,
  event text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, delivery_id)
);
