-- Standing grants: a person's "and the same for the next hour / N times / this agent session", given
-- with an approval (core/deciders/grant.ts decides with them; modules/grants lists and revokes them).
-- A grant approves later requests of one connection that match it, each use counted by one conditional
-- UPDATE in the request's create transaction, so `uses` never passes `max_uses` under concurrency.
CREATE TABLE grants (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id),
  given_by uuid NOT NULL REFERENCES users (id),
  -- The request whose approval it was given with (no foreign key: retention may purge requests).
  given_on uuid NOT NULL,
  connection_id uuid NOT NULL REFERENCES connections (id),
  -- Only requests of this agent session (metadata.session_id or run_id); null: any.
  agent_session text,
  -- A glob over action_type, as routing rules match it.
  action_type text NOT NULL,
  -- {"tags.env": "staging", ...}: fields a request must match, each an exact value or a glob.
  fields jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  max_uses integer CHECK (max_uses >= 1),
  uses integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)),
  revoked_at timestamptz,
  revoked_by_type text CHECK (revoked_by_type IN ('user', 'connection')),
  revoked_by_id uuid
);

-- A create looks up the live grants of its connection; revoked ones never match.
CREATE INDEX grants_live_idx ON grants (org_id, connection_id, expires_at) WHERE revoked_at IS NULL;
CREATE INDEX grants_org_idx ON grants (org_id, created_at DESC);

-- The grant that approved a request, as it was at that decision: {id, given_by: {id, name}, use,
-- max_uses, expires_at}. decided_by_type is then 'grant' and decided_by null.
ALTER TABLE approvals ADD COLUMN decided_by_grant jsonb;
