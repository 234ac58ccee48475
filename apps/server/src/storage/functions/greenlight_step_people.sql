-- Who a step asks (core/state-machine.ts states the rules): the people it names and the members of
-- the teams it names, as they are now, who are still members of the org with a role that may decide
-- (a viewer never may). Used to decide a vote (greenlight_decide), to judge a quorum of `all`
-- (greenlight_step_approved) and to tell notifications who to ask (core/approvers.ts).
CREATE OR REPLACE FUNCTION greenlight_step_people(p_step approval_steps) RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
  SELECT m.user_id
    FROM memberships m
   WHERE m.org_id = p_step.org_id
     AND m.role <> 'viewer'
     AND (m.user_id = ANY (p_step.approver_ids)
          OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ANY (p_step.team_ids) AND tm.user_id = m.user_id))
$$;

-- Whether a step has the approvals it needs: `quorum` approving votes, or, with a quorum of all
-- (null), an approving vote from every person it asks but the requester (who may not approve) and at
-- least one.
CREATE OR REPLACE FUNCTION greenlight_step_approved(p_step approval_steps, p_requester_user uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_step.quorum IS NOT NULL THEN
      (SELECT count(*) FROM approval_votes v
        WHERE v.approval_id = p_step.approval_id AND v.step_order = p_step.step_order AND v.decision = 'approve') >= p_step.quorum
    ELSE
      EXISTS (SELECT 1 FROM approval_votes v
               WHERE v.approval_id = p_step.approval_id AND v.step_order = p_step.step_order AND v.decision = 'approve')
      AND NOT EXISTS (
        SELECT 1 FROM greenlight_step_people(p_step) AS p (user_id)
         WHERE p.user_id IS DISTINCT FROM p_requester_user
           AND NOT EXISTS (SELECT 1 FROM approval_votes v
                            WHERE v.approval_id = p_step.approval_id AND v.step_order = p_step.step_order
                              AND v.decision = 'approve' AND v.voter_user_id = p.user_id))
  END
$$;

-- Whether a caller may decide a step (core/state-machine.ts states the rule): 'asked' when the step
-- asks them (named, or through a team); otherwise an admin, or an API key (which only admins issue and
-- which has no person to be asked), 'override' when the org allows the admin override and
-- 'admin_override_off' when it does not; anyone else 'not_asked'. Under the org's
-- `resolve_policy = admin_only` admins decide every step and nobody else any.
CREATE OR REPLACE FUNCTION greenlight_step_access(p_step approval_steps, p_user uuid, p_privileged boolean, p_admin_only boolean, p_override boolean)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_admin_only THEN CASE WHEN p_privileged AND p_user IS NOT NULL THEN 'asked' ELSE 'admin_only' END
    WHEN p_user IS NOT NULL AND EXISTS (SELECT 1 FROM greenlight_step_people(p_step) AS p (user_id) WHERE p.user_id = p_user) THEN 'asked'
    WHEN p_privileged AND p_override THEN 'override'
    WHEN p_privileged THEN 'admin_override_off'
    ELSE 'not_asked'
  END
$$;
