-- Single sign-on with an org's OpenID Connect provider (modules/sso/, docs/sso.md).
--
-- An org's provider: issuer and client, the client secret sealed (security/sealed.ts); whether its
-- members must sign in with it; what a person who joins by signing in becomes (the default role, or
-- the strongest role of a group of theirs named in `group_roles`).
CREATE TABLE sso_settings (
  org_id uuid PRIMARY KEY REFERENCES orgs (id),
  issuer text NOT NULL,
  client_id text NOT NULL,
  client_secret text NOT NULL,
  require_sso boolean NOT NULL DEFAULT false,
  default_role text NOT NULL DEFAULT 'viewer' CHECK (default_role IN ('admin', 'approver', 'viewer')),
  groups_claim text,
  group_roles jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(group_roles) = 'object'),
  additional_scopes text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The email domains that lead to an org's provider from the SSO page: one org per domain.
CREATE TABLE sso_domains (
  domain text PRIMARY KEY CHECK (domain = lower(domain)),
  org_id uuid NOT NULL REFERENCES sso_settings (org_id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_org_idx ON sso_domains (org_id);

-- Who a provider's subject is in an org: the stable `sub` of `iss`, never the email (which can change
-- hands). Kept when the person is removed from the org: the row then says they were a member and
-- were removed, so signing in again does not make them a member again (an admin adds them back).
CREATE TABLE sso_identities (
  org_id uuid NOT NULL REFERENCES orgs (id),
  issuer text NOT NULL,
  subject text NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, issuer, subject)
);
CREATE UNIQUE INDEX sso_identities_user_key ON sso_identities (org_id, issuer, user_id);

-- A sign-in under way: the browser was sent to the provider with this state (stored as its hash),
-- nonce and PKCE verifier. Used once (`used_at`), for ten minutes.
CREATE TABLE sso_logins (
  state_hash text PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  nonce text NOT NULL,
  code_verifier text NOT NULL,
  return_to text NOT NULL DEFAULT '/',
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sso_logins_expires_idx ON sso_logins (expires_at);
