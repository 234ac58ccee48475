-- Whom a person's assignments go to now (core/state-machine.ts states the rule): their delegate while
-- their out-of-office window is open, the delegate is a member who may decide and is not away too;
-- otherwise the person. One hop: a delegate's own delegation never passes on what they stand in for,
-- so there is no chain and no cycle.
CREATE OR REPLACE FUNCTION greenlight_stand_in(p_org uuid, p_user uuid) RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT d.delegate_id
      FROM delegations d
      JOIN memberships m ON m.org_id = d.org_id AND m.user_id = d.delegate_id AND m.role <> 'viewer'
     WHERE d.org_id = p_org AND d.user_id = p_user AND d.starts_at <= now() AND d.ends_at > now()
       AND NOT EXISTS (SELECT 1 FROM delegations d2
                        WHERE d2.org_id = p_org AND d2.user_id = d.delegate_id AND d2.starts_at <= now() AND d2.ends_at > now())
  ), p_user)
$$;

-- Who a step asks, one row per person it names or reaches through a team: the people it names and the
-- members of the teams it names, as they are now, who are still members of the org with a role that
-- may decide (a viewer never may); each as whoever stands in for them now (`user_id`), with the person
-- stood in for (`on_behalf_of`, null when it is the person themselves). The one definition of who is
-- asked: votes are judged by it (greenlight_step_access, greenlight_decide), quorums of `all` by it
-- (greenlight_step_approved), and notifications and the reviewer's inbox ask it (core/approvers.ts).
CREATE OR REPLACE FUNCTION greenlight_step_asked(p_step approval_steps) RETURNS TABLE (user_id uuid, on_behalf_of uuid) LANGUAGE sql STABLE AS $$
  SELECT x.stand_in, CASE WHEN x.stand_in <> x.member THEN x.member END
    FROM (SELECT m.user_id AS member, greenlight_stand_in(m.org_id, m.user_id) AS stand_in
            FROM memberships m
           WHERE m.org_id = p_step.org_id
             AND m.role <> 'viewer'
             AND (m.user_id = ANY (p_step.approver_ids)
                  OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = ANY (p_step.team_ids) AND tm.user_id = m.user_id))) x
$$;

-- The people a step asks now (greenlight_step_asked), each once.
CREATE OR REPLACE FUNCTION greenlight_step_people(p_step approval_steps) RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
  SELECT DISTINCT a.user_id FROM greenlight_step_asked(p_step) a
$$;

-- Whether a step has the approvals it needs: `quorum` approving votes, or, with a quorum of all
-- (null), an approving vote from every person it asks but the requester (who may not approve, nor
-- may anyone standing in for them) and at least one.
CREATE OR REPLACE FUNCTION greenlight_step_approved(p_step approval_steps, p_requester_user uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN p_step.quorum IS NOT NULL THEN
      (SELECT count(*) FROM approval_votes v
        WHERE v.approval_id = p_step.approval_id AND v.step_order = p_step.step_order AND v.decision = 'approve') >= p_step.quorum
    ELSE
      EXISTS (SELECT 1 FROM approval_votes v
               WHERE v.approval_id = p_step.approval_id AND v.step_order = p_step.step_order AND v.decision = 'approve')
      AND NOT EXISTS (
        SELECT 1 FROM greenlight_step_asked(p_step) AS p
         WHERE p.user_id IS DISTINCT FROM p_requester_user AND (p.on_behalf_of IS NULL OR p.on_behalf_of IS DISTINCT FROM p_requester_user)
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
