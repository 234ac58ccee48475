-- The org audit log: who changed who may act, and what automations receive. Rows are only
-- inserted (functions/audit_log_append_only.sql refuses the rest). The actor's name is kept as it
-- was then, so an entry still says who acted after the account or key is gone.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs (id),
  type text NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
  actor_type text NOT NULL CHECK (actor_type IN ('user', 'connection', 'system')),
  actor_id uuid,
  actor_name text,
  target_type text,
  target_id text,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((actor_type = 'system') = (actor_id IS NULL))
);
CREATE INDEX audit_log_org_idx ON audit_log (org_id, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (org_id, actor_id, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX audit_log_type_idx ON audit_log (org_id, type, id DESC);
