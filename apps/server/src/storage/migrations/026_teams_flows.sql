-- Teams: named groups of members, nameable wherever an approver is.
CREATE TABLE teams (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teams_org_name_key ON teams (org_id, lower(name));

CREATE TABLE team_members (
  team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL REFERENCES users (id),
  added_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user_idx ON team_members (org_id, user_id);

-- A step names its approvers (people and teams) and how many of them must approve: `quorum` people,
-- or every one of them when null. A step of one person with a quorum of 1 is the single-approver
-- step of the seed API. Teams are read as they are when a vote is cast (no membership snapshot):
-- a person added to a team may decide what is waiting for the team.
ALTER TABLE approval_steps
  ADD COLUMN approver_ids uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN team_ids uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN quorum integer DEFAULT 1 CHECK (quorum IS NULL OR quorum >= 1);
UPDATE approval_steps SET approver_ids = ARRAY[approver_id];
ALTER TABLE approval_steps DROP COLUMN approver_id;
ALTER TABLE approval_steps ADD CONSTRAINT approval_steps_has_approvers CHECK (cardinality(approver_ids) + cardinality(team_ids) >= 1);

-- The person behind a vote (signed in, or through their OAuth grant), so a person counts once
-- towards a step's quorum whichever credential they vote with.
ALTER TABLE approval_votes ADD COLUMN voter_user_id uuid;
CREATE UNIQUE INDEX approval_votes_person_key ON approval_votes (approval_id, step_order, voter_user_id) WHERE voter_user_id IS NOT NULL;
UPDATE approval_votes SET voter_user_id = voter_id WHERE voter_type = 'user';

-- Approval flows: reusable templates of ordered steps. Each change is a new row of flow_versions
-- (never updated), so a run started on a version keeps it.
CREATE TABLE flows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX flows_org_name_key ON flows (org_id, lower(name)) WHERE deleted_at IS NULL;

-- definition: {description, expires_in_seconds, on_expiry, steps: [{name, user_ids, team_ids, quorum (null: all), time_limit_seconds}]}
CREATE TABLE flow_versions (
  flow_id uuid NOT NULL REFERENCES flows (id),
  version integer NOT NULL,
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow_id, version)
);

-- A run: the request records the flow version it started; its steps are copied from that version
-- when it is created. `run_expires_at` is the whole run's deadline; `expires_at` is the nearer of it
-- and the active step's time limit, so the expiry sweep applies either.
ALTER TABLE approvals ADD COLUMN flow_id uuid REFERENCES flows (id), ADD COLUMN flow_version integer, ADD COLUMN run_expires_at timestamptz;
ALTER TABLE approval_steps ADD COLUMN name text, ADD COLUMN time_limit_seconds integer;

-- Who may decide: with steps, only whom the current step asks; admins (and API keys) also when the
-- org allows the override. `admin_only`: only admins resolve requests.
ALTER TABLE orgs
  ADD COLUMN admin_override boolean NOT NULL DEFAULT false,
  ADD COLUMN resolve_policy text NOT NULL DEFAULT 'approvers' CHECK (resolve_policy IN ('approvers', 'admin_only'));
