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
