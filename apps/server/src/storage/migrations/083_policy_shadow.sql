-- What a shadow policy (annotated @shadow) would have decided about each new request, recorded when
-- the request is created (modules/policies); its agreement with people is read against the request's
-- status. Gone with its request (retention).
CREATE TABLE policy_shadow_results (
  approval_id uuid NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
  org_id uuid NOT NULL REFERENCES orgs (id),
  policy_id text NOT NULL,
  version integer NOT NULL,
  would text NOT NULL CHECK (would IN ('approve', 'reject')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (approval_id, policy_id)
);
CREATE INDEX policy_shadow_results_org_idx ON policy_shadow_results (org_id, policy_id);
