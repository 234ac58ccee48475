-- The decision transition (core/state-machine.ts states its rules): a vote on a pending request, or
-- on one of its steps, and the final transition it may cause, in one statement. A decision is the
-- request's latency path to its callback: every extra statement was a round trip and a turn of the
-- server's event loop, so the server calls this once, and PL/pgSQL keeps its plans for the session.
--
-- p_vote (JSON): org, approval, step (null: the request itself), actor_type, actor_id, actor_name,
-- user_id and user_role (a person's, or null for a connection), decision ('approve' | 'reject'),
-- comment, source (where the vote was cast: kept on the vote, `api` when the caller said nothing; on
-- its events as given), content_sha256 (of the request as decided: with this vote's edits applied),
-- answer ({response, edits}: what an approving vote gave, checked by core/answers.ts; null when the
-- request asks nothing or for a rejection) and answer_refusal ({message, details}: the answer was
-- wrong; refused here after every other check, so a request already decided says so first), lease_ms and new_secret
-- (see below), notify (true when the caller sends notifications), step_up_missing (true when the
-- org's step-up setting covers the request and the caller has no passkey-confirmed session:
-- core/approvals/step-up.ts decides it; refused here after every other check, as viewer_can shows it),
-- fast (a vote that carries no input, sent without the request's content: see below), announce
-- (see below).
--
-- Exactly-once: greenlight_lock_pending locks the request and share-locks its org, and checks the stop,
-- the status and the deadline under that lock; a vote is inserted against the primary key
-- (approval_id, step_order, voter_id); the final transition repeats the status and deadline checks in
-- its WHERE clause, so it cannot happen twice even without the lock. Refusals raise SQLSTATE GL001
-- (code as message, details as JSON), so whatever was written before one is rolled back with it.
--
-- With lease_ms set (the calling process runs a delivery worker), a final decision's callback row is
-- written claimed for the caller (events_fan_out.sql, `greenlight.claim_callback_ms`, set only around
-- the final event's insert), and the fan-out hands the row back (`greenlight.claimed_callback`): the
-- caller makes the first attempt right after the commit. If it dies
-- first, the claim lapses at the lease's end and any worker retries under the next attempt number,
-- so the callback is still at least once. The org's callback signing secret is returned with the
-- previous one while it is still valid; an org that has none yet gets new_secret when the caller gives
-- one, else none is returned and the attempt reads or makes it as a worker's attempt does
-- (channels/webhook): making and sealing a secret for every decision, to keep one per org, took about
-- 3 % of the deciding process's CPU.
--
-- With announce set (the caller sends ANNOUNCE_OUTCOME right behind this statement, on its connection:
-- core/approvals/state-machine.ts), the final event's announcement (greenlight_event_notification) is
-- left in the session's `greenlight.announce`, which that statement NOTIFYs and empties once this one
-- has committed: waiters on other replicas hear of the decision as it commits, not a round trip and a
-- turn of the caller's event loop later. Not a NOTIFY here: that would hold the cluster's notification
-- lock through this commit's WAL flush (events_fan_out.sql). Set for the session, not the transaction,
-- so that it outlives the commit; a statement that fails leaves it as it was (empty).
CREATE OR REPLACE FUNCTION greenlight_decide(p_vote jsonb)
RETURNS TABLE (
  approval json, step json, event json, event_ids text[], event_types text[],
  delivery json, secret text, previous_secret text, wake_worker boolean
) LANGUAGE plpgsql AS $$
DECLARE
  v record;
  a approvals;
  s approval_steps;
  target approval_steps;
  first_pending approval_steps;
  n_steps integer := 0;
  all_others_approved boolean := true;
  approvals_now integer;
  final_status text;
  ev events;
  ids text[] := '{}';
  types text[] := '{}';
  d json;
  sec text;
  prev text;
  wake boolean := false;
  self_approval boolean;
  requester_user uuid;
  step_done boolean := false;
  org_rules record;
  privileged boolean;
  target_access text;
  first_access text;
  asked_as record;
  pick record;
  on_behalf uuid;
  on_behalf_json jsonb := '{}'::jsonb;
BEGIN
  SELECT * INTO v FROM jsonb_to_record(p_vote) AS x(
    org uuid, approval uuid, step uuid, actor_type text, actor_id uuid, actor_name text, user_id uuid, user_role text,
    decision text, comment text, source text, content_sha256 text, answer jsonb, answer_refusal jsonb,
    lease_ms float8, new_secret text, notify boolean, step_up_missing boolean, fast boolean, announce boolean);
  -- What the fan-out tells this statement (events_fan_out.sql) starts empty; the caller sends
  -- notifications: a step decided queues a `notify` row.
  PERFORM set_config('greenlight.fanned_out', '', true), set_config('greenlight.claimed_callback', '', true),
          set_config('greenlight.notify', CASE WHEN v.notify THEN 'on' ELSE '' END, true);

  a := greenlight_lock_pending(v.org, v.approval);

  -- Four-eyes: whoever created a request cannot approve it (rejecting, that is withdrawing, is fine):
  -- neither the principal that asked nor the person behind it (the person of an OAuth grant), whatever
  -- credential they vote with and whichever team asks them.
  requester_user := greenlight_requester_person(a.requested_by_type, a.requested_by_id);
  self_approval := v.decision = 'approve' AND (
    COALESCE(a.requested_by_type = v.actor_type AND a.requested_by_id = v.actor_id, false)
    OR COALESCE(v.user_id = requester_user, false));
  IF self_approval AND v.step IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'SELF_APPROVAL_FORBIDDEN', DETAIL = jsonb_build_object('reason', 'requester', 'text', greenlight_vote_refusal(p_vote, '{decide,approve,reason}'))::text;
  END IF;

  -- Who may decide (the org row is share-locked by the guard, so its rules hold for this vote).
  -- An admin, or an API key (issued by admins, with no person to be asked), is privileged.
  SELECT o.resolve_policy = 'admin_only' AS admin_only, o.admin_override,
         coalesce(cardinality(o.step_up_priorities), 0) + coalesce(cardinality(o.step_up_action_types), 0) > 0 AS step_up_set
    INTO org_rules FROM orgs o WHERE o.id = a.org_id;
  -- A vote without input sent without a read of the request (`fast`): it stands only for a request
  -- whose content hash was recorded at create (it asks for no input, so the vote answers nothing and
  -- approves that content), in an org with no step-up setting (which then covers no request). Anything
  -- else is refused with GL002 before any write, and the caller reads the request and votes again.
  IF v.fast THEN
    IF a.content_sha256 IS NULL OR org_rules.step_up_set THEN
      RAISE EXCEPTION USING ERRCODE = 'GL002', MESSAGE = 'CONTENT_NEEDED';
    END IF;
    v.content_sha256 := a.content_sha256;
    v.answer := NULL;
    v.answer_refusal := NULL;
    v.step_up_missing := false;
  END IF;
  privileged := COALESCE(v.user_role = 'admin', false) OR (v.actor_type = 'connection' AND v.user_id IS NULL);
  IF org_rules.admin_only AND NOT COALESCE(v.user_role = 'admin', false) THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'NOT_APPROVER', DETAIL = jsonb_build_object('subject', 'approval', 'reason', 'admin_only', 'text', greenlight_vote_refusal(p_vote, '{decide,reason}'))::text;
  END IF;

  -- The step voted on: the named one, or the first pending one the caller may decide (greenlight_vote_step).
  SELECT * INTO pick FROM greenlight_vote_step(a.id, v.step, v.user_id, privileged, org_rules.admin_only, org_rules.admin_override);
  target := pick.target;
  target_access := pick.target_access;
  first_pending := pick.first_pending;
  first_access := pick.first_access;
  n_steps := pick.n_steps;
  all_others_approved := pick.all_others_approved;

  IF v.step IS NOT NULL THEN
    IF target.id IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'NOT_FOUND', DETAIL = '{"subject":"step"}';
    END IF;
    IF self_approval THEN
      RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'SELF_APPROVAL_FORBIDDEN', DETAIL = jsonb_build_object('reason', 'requester', 'text', greenlight_vote_refusal(p_vote, '{decide,approve,reason}'))::text;
    END IF;
    IF target.status <> 'pending' THEN
      RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'INVALID_STATUS',
        DETAIL = jsonb_build_object('subject', 'step', 'status', target.status)::text;
    END IF;
    IF target_access NOT IN ('asked', 'override') THEN
      RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'NOT_APPROVER', DETAIL = jsonb_build_object('subject', 'step', 'reason', target_access, 'text', greenlight_vote_refusal(p_vote, '{decide,reason}'))::text;
    END IF;
  ELSIF n_steps > 0 AND target.id IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'NOT_APPROVER',
      DETAIL = jsonb_build_object('subject', 'approval', 'reason', COALESCE(first_access, 'not_asked'), 'text', greenlight_vote_refusal(p_vote, '{decide,reason}'))::text;
  END IF;

  -- A delegate asked only in place of someone away votes for them ("X for Y"); one who is also asked
  -- in their own right votes as themselves. Standing in for the requester never lets anyone approve.
  IF target.id IS NOT NULL AND target_access = 'asked' AND v.user_id IS NOT NULL AND NOT COALESCE(org_rules.admin_only, false) THEN
    SELECT bool_or(x.on_behalf_of IS NULL) AS own,
           (array_agg(x.on_behalf_of ORDER BY x.on_behalf_of) FILTER (WHERE x.on_behalf_of IS NOT NULL AND x.on_behalf_of IS DISTINCT FROM requester_user))[1] AS for_other
      INTO asked_as
      FROM greenlight_step_asked(target) x WHERE x.user_id = v.user_id;
    IF NOT COALESCE(asked_as.own, false) THEN
      IF v.decision = 'approve' AND asked_as.for_other IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'SELF_APPROVAL_FORBIDDEN', DETAIL = jsonb_build_object('reason', 'requester', 'text', greenlight_vote_refusal(p_vote, '{decide,approve,reason}'))::text;
      END IF;
      on_behalf := COALESCE(asked_as.for_other, requester_user);
      on_behalf_json := jsonb_build_object('on_behalf_of', jsonb_build_object('id', on_behalf,
        'name', (SELECT coalesce(u.name, u.email) FROM users u WHERE u.id = on_behalf)));
    END IF;
  END IF;

  IF n_steps = 0 THEN
    -- Without steps: distinct principals until required_approvals; one rejection rejects.
    INSERT INTO approval_votes (approval_id, step_order, voter_type, voter_id, voter_user_id, decision, comment, source)
    VALUES (a.id, 0, v.actor_type, v.actor_id, v.user_id, v.decision, v.comment, COALESCE(v.source, 'api'))
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'ALREADY_VOTED', DETAIL = jsonb_build_object('subject', 'approval', 'text', greenlight_vote_refusal(p_vote, '{decide,reason}'))::text;
    END IF;
  ELSE
    -- With steps, completion means every step approved; required_approvals no longer applies.
    IF a.is_sequential AND first_pending.id IS DISTINCT FROM target.id THEN
      RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'STEP_OUT_OF_ORDER',
        DETAIL = jsonb_build_object('step_order', target.step_order, 'next_step_id', first_pending.id,
                                    'next_step_order', first_pending.step_order, 'text', greenlight_vote_refusal(p_vote, '{decide,reason}'))::text;
    END IF;
    INSERT INTO approval_votes (approval_id, step_order, voter_type, voter_id, voter_user_id, decision, comment, on_behalf_of, source)
    VALUES (a.id, target.step_order, v.actor_type, v.actor_id, v.user_id, v.decision, v.comment, on_behalf, COALESCE(v.source, 'api'))
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'ALREADY_VOTED', DETAIL = jsonb_build_object('subject', 'step', 'text', greenlight_vote_refusal(p_vote, '{decide,reason}'))::text;
    END IF;
    -- One rejection rejects the step; approvals complete it once its quorum is met.
    step_done := v.decision = 'reject' OR greenlight_step_approved(target, requester_user);
    IF step_done THEN
      UPDATE approval_steps st
         SET status = CASE v.decision WHEN 'approve' THEN 'approved' ELSE 'rejected' END, decided_at = now(),
             decided_by = v.actor_id, comment = v.comment
       WHERE st.id = target.id AND st.status = 'pending'
      RETURNING st.* INTO s;
      IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'INVALID_STATUS',
          DETAIL = jsonb_build_object('subject', 'step', 'status', target.status)::text;
      END IF;
    ELSE
      s := target;
    END IF;
    INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, data)
    VALUES (a.org_id, a.id, CASE WHEN step_done THEN 'step.decided' ELSE 'step.vote_recorded' END,
            v.actor_type, v.actor_id, v.actor_name,
            jsonb_build_object('step_id', s.id, 'step_order', s.step_order, 'decision', v.decision, 'comment', v.comment,
                               'source', v.source, 'approved_content_sha256', v.content_sha256)
            || COALESCE(v.answer, '{}'::jsonb)
            || CASE WHEN target_access = 'override' THEN '{"admin_override":true}'::jsonb ELSE '{}'::jsonb END
            || on_behalf_json)
    RETURNING * INTO ev;
    -- Each use of the admin override is in the org audit log too, in this statement (the shape of
    -- core/audit.ts's entries; the actor's name as the vote recorded it).
    IF target_access = 'override' THEN
      INSERT INTO audit_log (org_id, type, actor_type, actor_id, actor_name, target_type, target_id, details)
      VALUES (a.org_id, 'approval.admin_override', CASE WHEN v.user_id IS NULL THEN 'connection' ELSE 'user' END,
              COALESCE(v.user_id, v.actor_id), v.actor_name, 'approval', a.id::text,
              jsonb_build_object('step_id', s.id, 'step_order', s.step_order, 'decision', v.decision, 'event_id', ev.id::text));
    END IF;
    -- A vote cast for someone away is in the org audit log too, as the delegate's.
    IF on_behalf IS NOT NULL THEN
      INSERT INTO audit_log (org_id, type, actor_type, actor_id, actor_name, target_type, target_id, details)
      VALUES (a.org_id, 'approval.delegate_vote', 'user', v.user_id, (SELECT u.email FROM users u WHERE u.id = v.user_id), 'approval', a.id::text,
              jsonb_build_object('step_id', s.id, 'step_order', s.step_order, 'decision', v.decision, 'event_id', ev.id::text)
              || on_behalf_json);
    END IF;
    ids := ids || ev.id::text;
    types := types || ev.type;
  END IF;

  -- Every other refusal comes first (viewer_can shows step_up_required only where nothing else refuses);
  -- raising here rolls back the vote and whatever it wrote.
  IF COALESCE(v.step_up_missing, true) THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'STEP_UP_REQUIRED', DETAIL = '{"subject":"approval"}';
  END IF;
  -- A wrong or missing answer (core/answers.ts worded it): nothing is decided.
  IF v.answer_refusal IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'INVALID_ANSWER', DETAIL = v.answer_refusal::text;
  END IF;

  -- The counters: approving votes without steps; with steps, the steps approved (required_approvals
  -- is then the number of steps), so a request half-way through its steps never reads as complete.
  IF n_steps = 0 THEN
    SELECT count(*)::int INTO approvals_now FROM approval_votes vt WHERE vt.approval_id = a.id AND vt.decision = 'approve';
  ELSE
    SELECT count(*)::int INTO approvals_now FROM approval_steps st WHERE st.approval_id = a.id AND st.status = 'approved';
  END IF;
  IF v.decision = 'reject' THEN
    final_status := 'rejected';
  ELSIF (n_steps = 0 AND approvals_now >= a.required_approvals) OR (n_steps > 0 AND step_done AND all_others_approved) THEN
    final_status := 'approved';
  END IF;

  IF final_status IS NOT NULL THEN
    UPDATE approvals ap
       SET status = final_status, current_approvals = approvals_now, decided_at = now(), decided_by = v.actor_id,
           decided_by_type = v.actor_type, decision_comment = v.comment, updated_at = now(),
           -- The request's answer and edits are those of the vote that approves it.
           response = CASE WHEN final_status = 'approved' THEN NULLIF(v.answer -> 'response', 'null'::jsonb) END,
           edits = CASE WHEN final_status = 'approved' THEN COALESCE(v.answer -> 'edits', '[]'::jsonb) ELSE '[]'::jsonb END
     WHERE ap.id = a.id AND ap.status = 'pending' AND (ap.expires_at IS NULL OR ap.expires_at > now())
    RETURNING ap.* INTO a;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'GL001', MESSAGE = 'INVALID_STATUS', DETAIL = '{"subject":"approval"}';
    END IF;
    -- Its callback row is written claimed for the caller, who makes the first attempt (see above).
    IF v.lease_ms IS NOT NULL THEN
      PERFORM set_config('greenlight.claim_callback_ms', v.lease_ms::text, true);
    END IF;
    INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, from_status, to_status, data)
    VALUES (a.org_id, a.id, 'approval.' || final_status, v.actor_type, v.actor_id, v.actor_name, 'pending', final_status,
            jsonb_build_object('decision', v.decision, 'comment', v.comment, 'source', v.source,
                               'current_approvals', approvals_now, 'approved_content_sha256', v.content_sha256)
            || COALESCE(v.answer, '{}'::jsonb) || on_behalf_json)
    RETURNING * INTO ev;
    IF v.lease_ms IS NOT NULL THEN
      PERFORM set_config('greenlight.claim_callback_ms', '', true);
    END IF;
    IF v.announce THEN
      PERFORM set_config('greenlight.announce', greenlight_event_notification(a.org_id, ev.id, a.id, ev.type), false);
    END IF;
  ELSE
    -- A run's next step becomes active: its time limit (if any) starts now, within the run's deadline.
    UPDATE approvals ap
       SET current_approvals = approvals_now, updated_at = now(),
           expires_at = CASE WHEN ap.flow_id IS NOT NULL AND step_done
                             THEN LEAST(ap.run_expires_at, now() + make_interval(secs => (
                                    SELECT ns.time_limit_seconds FROM approval_steps ns
                                     WHERE ns.approval_id = ap.id AND ns.status = 'pending' ORDER BY ns.step_order LIMIT 1)))
                             ELSE ap.expires_at END
     WHERE ap.id = a.id AND ap.status = 'pending'
    RETURNING ap.* INTO a;
    IF n_steps = 0 THEN
      INSERT INTO events (org_id, approval_id, type, actor_type, actor_id, actor_name, data)
      VALUES (a.org_id, a.id, 'approval.vote_recorded', v.actor_type, v.actor_id, v.actor_name,
              jsonb_build_object('decision', v.decision, 'comment', v.comment, 'source', v.source, 'current_approvals', approvals_now,
                                 'approved_content_sha256', v.content_sha256) || COALESCE(v.answer, '{}'::jsonb))
      RETURNING * INTO ev;
    END IF;
  END IF;
  IF n_steps = 0 OR final_status IS NOT NULL THEN
    ids := ids || ev.id::text;
    types := types || ev.type;
  END IF;

  -- The callback's first attempt is the caller's: the row the final event's fan-out wrote claimed.
  IF final_status IS NOT NULL AND a.callback_url IS NOT NULL AND v.lease_ms IS NOT NULL THEN
    d := NULLIF(current_setting('greenlight.claimed_callback', true), '')::json;
    -- The org's secrets, read first; an org without one gets the caller's new_secret if it gave one (or
    -- a racing decision's, committed first), read on the second turn.
    IF d IS NOT NULL THEN
      FOR turn IN 1..2 LOOP
        SELECT cs.secret, CASE WHEN cs.previous_secret_expires_at > now() THEN cs.previous_secret END
          INTO sec, prev
          FROM callback_secrets cs WHERE cs.org_id = a.org_id;
        EXIT WHEN FOUND OR v.new_secret IS NULL;
        INSERT INTO callback_secrets (org_id, secret) VALUES (a.org_id, v.new_secret) ON CONFLICT (org_id) DO NOTHING;
      END LOOP;
    END IF;
  END IF;

  -- Anything else the events queued (subscriptions, notifications) is the delivery worker's: the
  -- caller wakes it.
  wake := current_setting('greenlight.fanned_out', true) = 'on';

  RETURN QUERY SELECT to_json(a), CASE WHEN v.step IS NULL AND n_steps = 0 THEN NULL ELSE to_json(s) END, to_json(ev), ids, types,
                      d, sec, prev, wake;
END
$$;
