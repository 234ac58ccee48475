-- Applications that register themselves (RFC 7591 dynamic client registration), such as an MCP
-- client connecting for the first time: public clients (no secret; PKCE protects their codes) that
-- belong to no org until a person grants them access in theirs. Clients an admin registers keep an
-- org and a secret.
ALTER TABLE oauth_clients ALTER COLUMN org_id DROP NOT NULL;
ALTER TABLE oauth_clients ALTER COLUMN client_secret_hash DROP NOT NULL;
ALTER TABLE oauth_clients ADD COLUMN registration text NOT NULL DEFAULT 'admin' CHECK (registration IN ('admin', 'dynamic'));
ALTER TABLE oauth_clients ADD CONSTRAINT oauth_clients_registration_shape CHECK (
  (registration = 'admin' AND org_id IS NOT NULL AND client_secret_hash IS NOT NULL)
  OR (registration = 'dynamic' AND org_id IS NULL AND client_secret_hash IS NULL)
);

-- RFC 8707: the resource (audience) a code was issued for, and that its tokens are bound to. Null:
-- the REST API, as for every grant made before resource indicators.
ALTER TABLE oauth_codes ADD COLUMN resource text;
ALTER TABLE oauth_tokens ADD COLUMN resource text;

-- An admin revokes a self-registered client in their org only (others may still use it): its grants
-- there end and consent to it there is refused from then on.
CREATE TABLE oauth_client_blocks (
  org_id uuid NOT NULL REFERENCES orgs (id),
  client_id uuid NOT NULL REFERENCES oauth_clients (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, client_id)
);
-- The self-registered clients members of an org have authorized: the admin's list reads them by org.
CREATE INDEX oauth_codes_org_client_idx ON oauth_codes (org_id, client_id);
