-- Routing rules: an ordered set per org, replaced whole (each change a new version). A rule's id
-- stays while it is kept, so requests can name the rule that routed them.
CREATE TABLE routing_rule_sets (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  version integer NOT NULL CHECK (version >= 1),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by_type text NOT NULL CHECK (updated_by_type IN ('user', 'connection', 'system')),
  updated_by_id uuid
);

-- match and action as the API gives them (packages/contract routing-rules.ts), validated on write.
CREATE TABLE routing_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id uuid NOT NULL REFERENCES orgs (id),
  position integer NOT NULL CHECK (position >= 1),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  enabled boolean NOT NULL DEFAULT true,
  match jsonb NOT NULL,
  action jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, position)
);

-- Which rule routed a request, as it was then: {rule_id, rule_name, version, slack_channel} (rules may
-- later be renamed or removed, so no foreign key).
ALTER TABLE approvals ADD COLUMN routing jsonb;
