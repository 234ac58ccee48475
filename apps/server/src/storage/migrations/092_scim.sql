-- SCIM 2.0 provisioning (modules/scim). An org's identity provider holds one bearer token at a time:
-- only its SHA-256 is stored, as for API keys. Rotation revokes the old row and inserts a new one;
-- `default_role` is the role a provisioned person joins with.
CREATE TABLE scim_tokens (
  id uuid DEFAULT gen_random_uuid() PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  token_hash text NOT NULL UNIQUE,
  token_prefix text NOT NULL,
  default_role text NOT NULL DEFAULT 'approver' CHECK (default_role IN ('viewer', 'approver')),
  created_by_user_id uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE UNIQUE INDEX scim_tokens_live_org_key ON scim_tokens (org_id) WHERE revoked_at IS NULL;

-- What the identity provider says of a person it provisioned into an org. The person's membership is
-- the source of access; this row keeps what SCIM needs beside it: the IdP's externalId, the names it
-- sent, whether it wants the person active, and the role to give back on reactivation (a deactivated
-- person has no membership at all, so every credential and rule that asks "is this a member" says no).
CREATE TABLE scim_users (
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES users(id),
  user_name text NOT NULL,
  external_id text,
  given_name text,
  family_name text,
  display_name text,
  email text,
  active boolean NOT NULL DEFAULT true,
  role text NOT NULL CHECK (role IN ('viewer', 'approver', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE UNIQUE INDEX scim_users_user_name_key ON scim_users (org_id, lower(user_name));
CREATE UNIQUE INDEX scim_users_external_id_key ON scim_users (org_id, external_id) WHERE external_id IS NOT NULL;

-- A SCIM Group is a team; this keeps the IdP's externalId of one it created or linked.
CREATE TABLE scim_groups (
  team_id uuid PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
  org_id uuid NOT NULL REFERENCES orgs(id),
  external_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX scim_groups_external_id_key ON scim_groups (org_id, external_id) WHERE external_id IS NOT NULL;
