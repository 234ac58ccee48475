-- Policies: one Cedar policy set per org, replaced whole (each change a new version), with the classes
-- of request no policy may approve (core/deciders/policy.ts evaluates it; modules/policies writes it).
CREATE TABLE policy_sets (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  version integer NOT NULL CHECK (version >= 1),
  source text NOT NULL,
  -- {priorities: [...], action_types: [globs]} as the API gives it (packages/contract policies.ts).
  never_without_person jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by_type text NOT NULL CHECK (updated_by_type IN ('user', 'connection', 'system')),
  updated_by_id uuid
);

-- The policy that decided a request, as it was then: {id, version, reason} (policies are text, so no
-- foreign key). decided_by_type is then 'policy' and decided_by null.
ALTER TABLE approvals ADD COLUMN decided_by_policy jsonb;
