-- Out of office: while the window is open, whatever asks `user_id` asks `delegate_id` instead
-- (greenlight_stand_in, storage/functions/greenlight_step_people.sql). One per member; setting
-- another replaces it.
CREATE TABLE delegations (
  org_id uuid NOT NULL REFERENCES orgs (id),
  user_id uuid NOT NULL REFERENCES users (id),
  delegate_id uuid NOT NULL REFERENCES users (id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id),
  CHECK (delegate_id <> user_id),
  CHECK (ends_at > starts_at)
);
CREATE INDEX delegations_delegate_idx ON delegations (org_id, delegate_id);

-- A delegate's vote records whom it was cast for ("X for Y").
ALTER TABLE approval_votes ADD COLUMN on_behalf_of uuid;

-- The reviewer's inbox (`assigned=me|my_teams`) finds the pending steps that name a person or a team.
CREATE INDEX approval_steps_pending_people_idx ON approval_steps USING gin (approver_ids) WHERE status = 'pending';
CREATE INDEX approval_steps_pending_teams_idx ON approval_steps USING gin (team_ids) WHERE status = 'pending';
