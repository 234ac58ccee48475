-- The approval's rules, each written once (core/approvals/rules.ts is their TypeScript face, and
-- core/state-machine.ts states them in words): the person behind the requester, whom a person's
-- assignments go to (delegation), who a step asks (teams), the active steps, who is asked now, which
-- step a vote goes to, who approved (who may revoke), and what a viewer may do with a request, with the
-- reason in plain words when not.
-- greenlight_decide, greenlight_cancel, revoke, the notifier (notify/who-is-told.ts) and the
-- reviewer's inbox (assigned=me) call these; nothing else restates them.

-- The person behind whoever created a request: the person themselves, or the person of an OAuth grant
-- (connections.user_id); null for an API key, which has no person.
-- PL/pgSQL rather than SQL, here and in the small rules below that hold a subquery (which keeps Postgres
-- from inlining them): up to Postgres 17 a SQL function called from PL/pgSQL is planned again at every
-- call, about 0.1 ms each, three times a decision; a PL/pgSQL function keeps its plan for the session.
CREATE OR REPLACE FUNCTION greenlight_requester_person(p_type text, p_id uuid) RETURNS uuid LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN CASE p_type WHEN 'user' THEN p_id
                     WHEN 'connection' THEN (SELECT c.user_id FROM connections c WHERE c.id = p_id) END;
END
$$;

-- Whom a person's assignments go to now (core/state-machine.ts states the rule): their delegate while
-- their out-of-office window is open, the delegate is a member who may decide and is not away too;
-- otherwise the person. One hop: a delegate's own delegation never passes on what they stand in for,
-- so there is no chain and no cycle.
-- PL/pgSQL for its plan's sake (see greenlight_requester_person): it is called once per member by
-- who is asked, and as a SQL function its subquery was planned at each call (0.35 ms of a
-- notification's 0.6 ms `greenlight_asked_now` for an org of one approver; more per member).
CREATE OR REPLACE FUNCTION greenlight_stand_in(p_org uuid, p_user uuid) RETURNS uuid LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN coalesce((
    SELECT d.delegate_id
      FROM delegations d
      JOIN memberships m ON m.org_id = d.org_id AND m.user_id = d.delegate_id AND m.role <> 'viewer'
     WHERE d.org_id = p_org AND d.user_id = p_user AND d.starts_at <= now() AND d.ends_at > now()
       AND NOT EXISTS (SELECT 1 FROM delegations d2
                        WHERE d2.org_id = p_org AND d2.user_id = d.delegate_id AND d2.starts_at <= now() AND d2.ends_at > now())
  ), p_user);
END
$$;

-- Who a step asks, one row per person it names or reaches through a team: the people it names and the
-- members of the teams it names, as they are now, who are still members of the org with a role that
-- may decide (a viewer never may); each as whoever stands in for them now (`user_id`), with the person
-- stood in for (`on_behalf_of`, null when it is the person themselves). The one definition of who is
-- asked: votes are judged by it (greenlight_step_access, greenlight_decide), quorums of `all` by it
-- (greenlight_step_approved), and who is asked now by it (greenlight_asked_now).
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
-- may anyone standing in for them) and at least one. PL/pgSQL for its plan's sake (see
-- greenlight_requester_person): greenlight_decide calls it at every vote on a step.
CREATE OR REPLACE FUNCTION greenlight_step_approved(p_step approval_steps, p_requester_user uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN CASE
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
  END;
END
$$;

-- Whether a caller may decide a step (core/state-machine.ts states the rule): 'asked' when the step
-- asks them (named, or through a team); otherwise an admin, or an API key (which only admins issue and
-- which has no person to be asked), 'override' when the org allows the admin override and
-- 'admin_override_off' when it does not; anyone else 'not_asked'. Under the org's
-- `resolve_policy = admin_only` admins decide every step and nobody else any. PL/pgSQL for its plan's
-- sake (see greenlight_requester_person): greenlight_vote_step and greenlight_viewer_can call it once per step.
CREATE OR REPLACE FUNCTION greenlight_step_access(p_step approval_steps, p_user uuid, p_privileged boolean, p_admin_only boolean, p_override boolean)
RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN CASE
    WHEN p_admin_only THEN CASE WHEN p_privileged AND p_user IS NOT NULL THEN 'asked' ELSE 'admin_only' END
    WHEN p_user IS NOT NULL AND EXISTS (SELECT 1 FROM greenlight_step_people(p_step) AS p (user_id) WHERE p.user_id = p_user) THEN 'asked'
    WHEN p_privileged AND p_override THEN 'override'
    WHEN p_privileged THEN 'admin_override_off'
    ELSE 'not_asked'
  END;
END
$$;

-- The steps a request asks at once, whatever its status: its open (pending) steps; of a sequential
-- request only the lowest open one. greenlight_active_steps is these while the request is pending;
-- greenlight_close_steps reads them as the request ends, to tell the step whose time ran out.
CREATE OR REPLACE FUNCTION greenlight_front_steps(p_approval uuid) RETURNS SETOF approval_steps LANGUAGE sql STABLE AS $$
  SELECT s.*
    FROM approvals a JOIN approval_steps s ON s.approval_id = a.id
   WHERE a.id = p_approval AND s.status = 'pending'
     AND (NOT a.is_sequential
          OR s.step_order = (SELECT min(q.step_order) FROM approval_steps q WHERE q.approval_id = a.id AND q.status = 'pending'))
$$;

-- The active steps of a request: its front steps while it is pending. None for a request without
-- steps or no longer pending.
CREATE OR REPLACE FUNCTION greenlight_active_steps(p_approval uuid) RETURNS SETOF approval_steps LANGUAGE sql STABLE AS $$
  SELECT f.* FROM greenlight_front_steps(p_approval) f
   WHERE EXISTS (SELECT 1 FROM approvals a WHERE a.id = p_approval AND a.status = 'pending')
$$;

-- Who a request without steps asks: every approver and admin of the org who is not away (their
-- delegate is not asked in their place: any approver may decide such a request anyway).
CREATE OR REPLACE FUNCTION greenlight_org_deciders(p_org uuid) RETURNS SETOF uuid LANGUAGE sql STABLE AS $$
  SELECT m.user_id FROM memberships m
   WHERE m.org_id = p_org AND m.role IN ('approver', 'admin') AND greenlight_stand_in(p_org, m.user_id) = m.user_id
$$;

-- Who is asked to decide a pending request now, one row per person and active step (`step_order` 0
-- for a request without steps): the people its active steps ask (greenlight_step_asked: teams as they
-- are now, each as whoever stands in for them), or without steps greenlight_org_deciders. In an org
-- whose `resolve_policy` is `admin_only`, its admins who are not away, for each active step, and
-- nobody else (greenlight_step_access: nobody else may decide). Never the person who asked for it, nor
-- anyone only standing in for them (they may not approve it). Voting does not take anyone off: whom to
-- remind is narrower (notify/who-is-told.ts). `p_only` limits the answer to one person (the reviewer's
-- inbox asks about its reader).
CREATE OR REPLACE FUNCTION greenlight_asked_now(p_approval uuid, p_only uuid DEFAULT NULL)
RETURNS TABLE (user_id uuid, on_behalf_of uuid, step_order integer) LANGUAGE sql STABLE AS $$
  WITH a AS (
    SELECT ap.id, ap.org_id, greenlight_requester_person(ap.requested_by_type, ap.requested_by_id) AS requester,
           o.resolve_policy = 'admin_only' AS admin_only
      FROM approvals ap JOIN orgs o ON o.id = ap.org_id
     WHERE ap.id = p_approval AND ap.status = 'pending'
  )
  SELECT x.user_id, x.on_behalf_of, s.step_order
    FROM a, LATERAL greenlight_active_steps(a.id) s, LATERAL greenlight_step_asked(s) x
   WHERE NOT a.admin_only
     AND x.user_id IS DISTINCT FROM a.requester AND (x.on_behalf_of IS NULL OR x.on_behalf_of IS DISTINCT FROM a.requester)
     AND (p_only IS NULL OR x.user_id = p_only)
  UNION ALL
  SELECT d.user_id, NULL::uuid, 0
    FROM a, LATERAL greenlight_org_deciders(a.org_id) AS d (user_id)
   WHERE NOT a.admin_only
     AND d.user_id IS DISTINCT FROM a.requester AND (p_only IS NULL OR d.user_id = p_only)
     AND NOT EXISTS (SELECT 1 FROM approval_steps s WHERE s.approval_id = a.id)
  UNION ALL
  SELECT m.user_id, NULL::uuid, o.step_order
    FROM a
    CROSS JOIN LATERAL (
      SELECT s.step_order FROM greenlight_active_steps(a.id) s
      UNION ALL
      SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM approval_steps s WHERE s.approval_id = a.id)
    ) o
    JOIN memberships m ON m.org_id = a.org_id AND m.role = 'admin'
   WHERE a.admin_only AND greenlight_stand_in(a.org_id, m.user_id) = m.user_id
     AND m.user_id IS DISTINCT FROM a.requester AND (p_only IS NULL OR m.user_id = p_only)
$$;

-- Whether a principal (or the person behind it: their OAuth grant counts as themselves) cast an
-- approving vote on a request. Who may revoke an approval is decided by it.
-- PL/pgSQL for its plan's sake (see greenlight_requester_person).
CREATE OR REPLACE FUNCTION greenlight_approved_by(p_approval uuid, p_principal uuid, p_user uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM approval_votes v
                  WHERE v.approval_id = p_approval AND v.decision = 'approve'
                    AND (v.voter_id = p_principal OR (p_user IS NOT NULL AND (v.voter_id = p_user OR v.voter_user_id = p_user))));
END
$$;

-- Which step a vote goes to (greenlight_decide casts it; greenlight_viewer_can foretells it): the named
-- step (p_step), or without one the first pending step the caller may decide (greenlight_step_access:
-- 'asked' or 'override'). Also the lowest pending step and the caller's access to it (the refusal's
-- reason when no step takes the vote, and the order of a sequential request), how many steps there
-- are, and whether every step but the target is approved (the vote then may complete the request).
CREATE OR REPLACE FUNCTION greenlight_vote_step(p_approval uuid, p_step uuid, p_user uuid, p_privileged boolean, p_admin_only boolean, p_override boolean)
RETURNS TABLE (target approval_steps, target_access text, first_pending approval_steps, first_access text, n_steps integer, all_others_approved boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  s approval_steps;
  access text;
BEGIN
  n_steps := 0;
  all_others_approved := true;
  FOR s IN SELECT * FROM approval_steps st WHERE st.approval_id = p_approval ORDER BY st.step_order LOOP
    n_steps := n_steps + 1;
    IF s.status = 'pending' AND (first_pending).id IS NULL THEN
      first_pending := s;
    END IF;
    -- Who was asked decides; admins and keys only through the org's override.
    access := greenlight_step_access(s, p_user, p_privileged, p_admin_only, p_override);
    IF s.id = (first_pending).id THEN
      first_access := access;
    END IF;
    IF (target).id IS NULL AND (
         (p_step IS NOT NULL AND s.id = p_step) OR (p_step IS NULL AND s.status = 'pending' AND access IN ('asked', 'override'))
       ) THEN
      target := s;
      target_access := access;
    ELSIF s.status <> 'approved' THEN
      all_others_approved := false;
    END IF;
  END LOOP;
  RETURN NEXT;
END
$$;

-- "Waiting for …": whom a request waits for, in words: the people and teams its active steps name,
-- a person away as their stand-in "for" them. Shown when a viewer may not decide.
-- PL/pgSQL, though it is one query: greenlight_viewer_can calls it, and a SQL-language function that
-- cannot be inlined (this one reads tables) keeps its plan only as long as the caller's expression
-- state, which PL/pgSQL makes anew in each transaction. As SQL it would be planned again at every
-- autocommit call (about 1 ms, five times what it runs in); PL/pgSQL keeps its plan for the session.
CREATE OR REPLACE FUNCTION greenlight_waiting_for(p_approval uuid) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (
    SELECT 'Waiting for ' || coalesce(string_agg(w.name, ', ' ORDER BY w.k, w.step_order, w.ord), 'others')
      FROM (
        SELECT DISTINCT ON (w0.name) w0.* FROM (
          SELECT 0 AS k, s.step_order, u.ord,
                 coalesce(si.name, si.email) || CASE WHEN si.id <> u.id THEN ' (for ' || coalesce(us.name, us.email, 'someone away') || ')' ELSE '' END AS name
            FROM greenlight_active_steps(p_approval) s CROSS JOIN LATERAL unnest(s.approver_ids) WITH ORDINALITY AS u (id, ord)
            JOIN users us ON us.id = u.id
            JOIN users si ON si.id = greenlight_stand_in(s.org_id, u.id)
          UNION ALL
          SELECT 1, s.step_order, t.ord, 'team ' || tm.name
            FROM greenlight_active_steps(p_approval) s CROSS JOIN LATERAL unnest(s.team_ids) WITH ORDINALITY AS t (id, ord)
            JOIN teams tm ON tm.id = t.id AND tm.org_id = s.org_id
        ) w0 ORDER BY w0.name, w0.k, w0.step_order, w0.ord
      ) w);
END
$$;

-- Who may cancel a request or reassign its steps: its requester (the principal that created it) or an
-- admin (p_role). Null when `p_principal` may; otherwise the refusal in words. `p_change`: 'cancel' or
-- 'reassign'. greenlight_viewer_can shows it beforehand; greenlight_require_manager enforces it.
-- It takes the requester's columns, not the request's row: PL/pgSQL builds a whole row anew for each
-- call that is handed one, a few microseconds a call for every request of a list.
CREATE OR REPLACE FUNCTION greenlight_manager_refusal(p_requested_by_type text, p_requested_by_id uuid, p_principal_type text, p_principal_id uuid, p_role text, p_change text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_role IS NOT DISTINCT FROM 'admin' THEN NULL
    WHEN p_requested_by_type = p_principal_type AND p_requested_by_id = p_principal_id THEN NULL
    WHEN p_change = 'cancel' THEN 'Only the requester or an admin can cancel this'
    ELSE 'Only the requester or an admin can reassign its steps' END
$$;

-- The transitions' check of greenlight_manager_refusal (cancel, reassign a step): raises GL001
-- FORBIDDEN with the refusal's words as `text`. Called before the guard (greenlight_lock_pending), so
-- someone else's request is refused as such whatever its status; who requested a request never changes,
-- so reading it before the lock decides nothing stale. A request not in the org passes, for the guard's 404.
CREATE OR REPLACE FUNCTION greenlight_require_manager(p_org uuid, p_approval uuid, p_principal_type text, p_principal_id uuid, p_role text, p_change text)
RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
  refused text;
BEGIN
  SELECT greenlight_manager_refusal(ap.requested_by_type, ap.requested_by_id, p_principal_type, p_principal_id, p_role, p_change) INTO refused
    FROM approvals ap WHERE ap.id = p_approval AND ap.org_id IS NOT DISTINCT FROM p_org;
  IF refused IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'FORBIDDEN', DETAIL = jsonb_build_object('subject', 'approval', 'text', refused)::text;
  END IF;
END
$$;

-- One entry of greenlight_viewer_can: {"allowed": true}, or {"allowed": false, "reason": …} when
-- `p_reason` says why not. SQL, so that it is inlined into the expressions that call it (STABLE as
-- jsonb_build_object is: a function declared stricter than its body is not inlined).
CREATE OR REPLACE FUNCTION greenlight_can_entry(p_reason text) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p_reason IS NULL THEN '{"allowed": true}'::jsonb ELSE jsonb_build_object('allowed', false, 'reason', p_reason) END
$$;

-- What a viewer may do with a request, each as {"allowed": bool, "reason": text when not}:
-- decide (with `steps`, the ids of the steps they may vote on, and `approve`: whether the decision
-- may be an approval), cancel, revoke, reassign, comment. It restates no rule: the refusals are those
-- of greenlight_decide, the routes' authorization (role, scope, emergency stop), who may cancel and
-- reassign (greenlight_manager_refusal), the guard (greenlight_lock_pending), revoke (core/state-machine.ts),
-- and greenlight_decide takes the text of its refusals from here. Null when the request does not exist.
--
-- p_principal_type / p_principal_id: who acts (a person, or a connection); p_user and p_role: the
-- person behind it (null for an API key); p_may_write / p_may_comment: whether the credential holds
-- approvals:write / comments:write.
CREATE OR REPLACE FUNCTION greenlight_viewer_can(
  p_approval uuid, p_principal_type text, p_principal_id uuid, p_user uuid, p_role text,
  p_may_write boolean DEFAULT true, p_may_comment boolean DEFAULT true
) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  a record;
  requester uuid;
  own boolean;
  admin boolean := p_role IS NOT DISTINCT FROM 'admin';
  privileged boolean;
  expired boolean;
  closed text;
  write_refused text;
  s approval_steps;
  first_pending approval_steps;
  target approval_steps;
  pick record;
  votable jsonb := '[]'::jsonb;
  asked_as record;
  decide_reason text;
  approve_reason text;
  cancel_reason text;
  revoke_reason text;
  reassign_reason text;
  comment_reason text;
BEGIN
  -- One read of what the rules below look at (not the whole row: a list asks this of each of its
  -- requests, and the row's text and search vector would be copied for nothing).
  SELECT ap.id, ap.requested_by_type, ap.requested_by_id, ap.status, ap.expires_at, ap.is_sequential, ap.revoked_at,
         ap.revocable_for_seconds, ap.execution_status, ap.decided_at,
         o.emergency_stop, o.resolve_policy, o.admin_override,
         EXISTS (SELECT 1 FROM approval_steps st WHERE st.approval_id = ap.id) AS has_steps,
         EXISTS (SELECT 1 FROM approval_steps st WHERE st.approval_id = ap.id AND st.status = 'pending') AS has_pending
    INTO a
    FROM approvals ap JOIN orgs o ON o.id = ap.org_id
   WHERE ap.id = p_approval;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  -- The person behind the requester matters only to a viewer who is a person (an API key has none):
  -- not read for the others, which is most of what a create's answer and a key's list ask.
  IF p_user IS NOT NULL THEN
    requester := greenlight_requester_person(a.requested_by_type, a.requested_by_id);
  END IF;
  own := (a.requested_by_type = p_principal_type AND a.requested_by_id = p_principal_id);
  privileged := admin OR (p_principal_type = 'connection' AND p_user IS NULL);
  expired := a.status = 'pending' AND a.expires_at IS NOT NULL AND a.expires_at <= now();
  closed := CASE WHEN a.status <> 'pending' THEN 'Already ' || a.status WHEN expired THEN 'Expired' END;
  write_refused := CASE
    WHEN p_role = 'viewer' THEN 'Viewers cannot change requests'
    WHEN NOT p_may_write THEN 'This credential lacks the approvals:write scope'
    WHEN a.emergency_stop THEN 'The emergency stop is on' END;

  -- decide and approve (greenlight_decide's checks, in its order)
  decide_reason := coalesce(closed, write_refused);
  IF decide_reason IS NULL THEN
    IF own OR (p_user IS NOT NULL AND p_user = requester) THEN
      approve_reason := 'You requested this';
    END IF;
    IF a.resolve_policy = 'admin_only' AND NOT admin THEN
      decide_reason := 'Only admins decide requests in this organization';
    ELSIF a.has_steps THEN
      SELECT * INTO pick FROM greenlight_vote_step(a.id, NULL, p_user, privileged, a.resolve_policy = 'admin_only', a.admin_override);
      target := pick.target;
      first_pending := pick.first_pending;
      -- The steps a vote may name: pending, deciding them is the caller's, in order, not voted on yet.
      FOR s IN SELECT * FROM approval_steps st WHERE st.approval_id = a.id AND st.status = 'pending' ORDER BY st.step_order LOOP
        IF greenlight_step_access(s, p_user, privileged, a.resolve_policy = 'admin_only', a.admin_override) IN ('asked', 'override')
           AND (NOT a.is_sequential OR s.id = first_pending.id)
           AND NOT EXISTS (SELECT 1 FROM approval_votes v WHERE v.approval_id = a.id AND v.step_order = s.step_order AND v.voter_id = p_principal_id) THEN
          votable := votable || to_jsonb(s.id);
        END IF;
      END LOOP;
      IF target.id IS NULL THEN
        decide_reason := greenlight_waiting_for(a.id);
      ELSE
        -- A delegate asked only in place of the requester may reject, never approve.
        IF approve_reason IS NULL AND p_user IS NOT NULL AND a.resolve_policy <> 'admin_only'
           AND greenlight_step_access(target, p_user, privileged, false, a.admin_override) = 'asked' THEN
          SELECT bool_or(x.on_behalf_of IS NULL) AS own_right,
                 bool_or(x.on_behalf_of IS NOT NULL AND x.on_behalf_of IS DISTINCT FROM requester) AS for_other
            INTO asked_as FROM greenlight_step_asked(target) x WHERE x.user_id = p_user;
          IF NOT coalesce(asked_as.own_right, false) AND NOT coalesce(asked_as.for_other, false) THEN
            approve_reason := 'You stand in for the requester, who may not approve this';
          END IF;
        END IF;
        IF a.is_sequential AND target.id <> first_pending.id THEN
          decide_reason := greenlight_waiting_for(a.id);
        ELSIF EXISTS (SELECT 1 FROM approval_votes v WHERE v.approval_id = a.id AND v.step_order = target.step_order AND v.voter_id = p_principal_id) THEN
          decide_reason := 'You already voted';
        END IF;
      END IF;
    -- A request without steps (greenlight_vote_step would find none to go to): the vote is on the request.
    ELSIF EXISTS (SELECT 1 FROM approval_votes v WHERE v.approval_id = a.id AND v.step_order = 0 AND v.voter_id = p_principal_id) THEN
      decide_reason := 'You already voted';
    END IF;
    -- The requester's refusal comes first (greenlight_decide checks it before anything else), a
    -- delegate's for the requester before the step's order and their vote; then the decision's own.
    approve_reason := coalesce(approve_reason, decide_reason);
  ELSE
    approve_reason := decide_reason;
  END IF;

  -- cancel and reassign: the requester or an admin (greenlight_manager_refusal), while pending (the guard)
  cancel_reason := coalesce(closed, write_refused, greenlight_manager_refusal(a.requested_by_type, a.requested_by_id, p_principal_type, p_principal_id, p_role, 'cancel'));
  reassign_reason := coalesce(closed, write_refused, greenlight_manager_refusal(a.requested_by_type, a.requested_by_id, p_principal_type, p_principal_id, p_role, 'reassign'),
    CASE WHEN NOT a.has_pending THEN 'No step waits to be reassigned' END);

  -- revoke: an approver whose approving vote is on it, or an admin; within the window, before any receipt
  revoke_reason := CASE
    WHEN a.status = 'rejected' AND a.revoked_at IS NOT NULL THEN 'Already revoked'
    WHEN a.status = 'pending' THEN 'Not approved yet'
    WHEN a.status <> 'approved' THEN 'Already ' || a.status
    WHEN p_role = 'viewer' THEN 'Viewers cannot change requests'
    WHEN NOT p_may_write THEN 'This credential lacks the approvals:write scope'
    WHEN NOT admin AND NOT greenlight_approved_by(a.id, p_principal_id, p_user) THEN 'Only an approver who approved this, or an admin, can revoke it'
    WHEN a.revocable_for_seconds IS NULL THEN 'Created without a revoke window'
    WHEN a.execution_status IS NOT NULL THEN 'Execution was already reported'
    WHEN a.decided_at + make_interval(secs => a.revocable_for_seconds) <= now() THEN 'The revoke window has closed'
  END;

  comment_reason := CASE
    WHEN NOT p_may_comment THEN 'This credential lacks the comments:write scope'
    WHEN a.emergency_stop THEN 'The emergency stop is on' END;

  -- Each entry built once, without stripping nulls afterwards: a list asks this of each of its rows.
  RETURN jsonb_build_object(
    'decide', CASE WHEN decide_reason IS NULL
                   THEN jsonb_build_object('allowed', true, 'steps', votable, 'approve', greenlight_can_entry(approve_reason))
                   ELSE jsonb_build_object('allowed', false, 'reason', decide_reason, 'steps', '[]'::jsonb, 'approve', greenlight_can_entry(approve_reason)) END,
    'cancel', greenlight_can_entry(cancel_reason),
    'revoke', greenlight_can_entry(revoke_reason),
    'reassign', greenlight_can_entry(reassign_reason),
    'comment', greenlight_can_entry(comment_reason));
END
$$;

-- The words of a refusal of a vote, as greenlight_viewer_can (greenlight_rules.sql) shows it to the
-- voter beforehand: `p_path` names its field ({decide,reason} or {decide,approve,reason}).
-- p_vote is greenlight_decide's; its refusals carry these words as `text`.
CREATE OR REPLACE FUNCTION greenlight_vote_refusal(p_vote jsonb, p_path text[]) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT greenlight_viewer_can((p_vote ->> 'approval')::uuid, p_vote ->> 'actor_type', (p_vote ->> 'actor_id')::uuid,
                               (p_vote ->> 'user_id')::uuid, p_vote ->> 'user_role') #>> p_path
$$;
