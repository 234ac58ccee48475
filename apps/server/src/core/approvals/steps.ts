/**
 * The steps of a pending request, configured or reassigned: both behind the guard of a vote
 * (lockPending), each one transaction. Who may configure them (the requester or an admin) is the route
 * table's ownership rule, checked by the router; who may reassign one is the request's rule
 * (greenlight_manager_refusal, shown as viewer_can.reassign), checked here by lockPendingAsManager.
 */
import type { ConfigureStepsBody, ReassignStepBody, Step } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { actorOf as eventActor, appendEvent, SYSTEM_ACTOR, type Caller } from '../events.ts';
import { actorOf as auditActor, recordAudit } from '../audit.ts';
import { STEP_COLUMNS, toStep, type StepRow } from '../step-record.ts';
import { CHANGE_LOCK } from '../approval-record.ts';
import { approverIssues } from '../approvers.ts';
import { wellFormed } from '../text.ts';
import { lockPending, lockPendingAsManager } from './state-machine.ts';

/**
 * Replaces the step configuration of a pending request in one transaction. The request row is locked
 * as for a vote, so a configuration and a vote on the same request cannot interleave: once any vote
 * exists the steps are locked, and a vote never lands on a step that is being replaced.
 */
export async function configureApprovalSteps(
  db: Database,
  auth: Caller,
  approvalId: string,
  input: ConfigureStepsBody['steps'],
  options: { notify?: boolean } = {},
): Promise<Step[]> {
  const rows = await db.transaction(async (tx) => {
    const a = await lockPending(tx, auth.org.id, approvalId);
    // The new steps change who is asked: the event's fan-out queues the work of telling them.
    if (options.notify) await tx.query(`SELECT set_config('greenlight.notify', 'on', true)`);
    // Who may route this request (its requester or an admin, so that an approver cannot reassign a
    // request to themselves) is the route table's ownership rule, checked by the router.
    // The run of a flow the request named keeps its flow version's steps: they are not replaced by hand.
    // A routed request's give way: routing chooses who is asked when the requester names nobody, and a
    // request that names its steps is not routed. Clients of the spec's API name them only after the
    // create, so the rule's steps (or the run of the rule's flow) give way here; the request is no
    // longer routed, and the event says whose steps were replaced (the create's event keeps which rule
    // routed it first).
    const unrouted = a.routing ? { rule_id: a.routing.rule_id, rule_name: a.routing.rule_name, version: a.routing.version } : null;
    const run = await tx.query<{ flow_id: string | null }>('SELECT flow_id FROM approvals WHERE id = $1', [a.id]);
    if (run.rows[0]?.flow_id && !unrouted) throw new ApiError('STEPS_LOCKED', 'the steps of a flow run come from its flow and cannot be replaced');
    const voted = await tx.query('SELECT 1 FROM approval_votes WHERE approval_id = $1 LIMIT 1', [a.id]);
    if (voted.rows.length > 0) throw new ApiError('STEPS_LOCKED', 'steps cannot be changed once a vote has been cast');

    const issues = await approverIssues(tx, a.org_id, input.map((s, i) => ({
        path: `steps.${i}`,
        single: true,
        user_ids: s.approver_id ? [s.approver_id] : [],
        team_ids: s.team_id ? [s.team_id] : [],
        quorum: s.quorum,
      })),
    );
    if (issues.length > 0) {
      throw new ApiError('VALIDATION_ERROR', `${issues[0]!.path}: ${issues[0]!.message}`, { location: 'body', issues });
    }

    const removed = await tx.query('DELETE FROM approval_steps WHERE approval_id = $1', [a.id]);
    const ordered = [...input].sort((x, y) => x.step_order - y.step_order);
    const inserted = await tx.query<StepRow>(
      `INSERT INTO approval_steps AS s (approval_id, org_id, step_order, approver_ids, team_ids, quorum)
       SELECT $1, $2, u.step_order,
              CASE WHEN u.approver_id IS NULL THEN '{}'::uuid[] ELSE ARRAY[u.approver_id] END,
              CASE WHEN u.team_id IS NULL THEN '{}'::uuid[] ELSE ARRAY[u.team_id] END,
              u.quorum
         FROM unnest($3::int[], $4::uuid[], $5::uuid[], $6::int[]) AS u (step_order, approver_id, team_id, quorum)
       RETURNING ${STEP_COLUMNS}`,
      [
        a.id,
        a.org_id,
        ordered.map((s) => s.step_order),
        ordered.map((s) => s.approver_id ?? null),
        ordered.map((s) => s.team_id ?? null),
        ordered.map((s) => (s.quorum === 'all' ? null : s.quorum)),
      ],
    );
    const steps = inserted.rows.sort((x, y) => x.step_order - y.step_order);
    // With steps, the counters count steps: none approved yet, of this many.
    // A run of the rule's flow ends with its steps: its steps' time limits no longer cut the deadline,
    // which is the run's own again.
    await tx.query(
      `UPDATE approvals SET updated_at = now(), required_approvals = $2, current_approvals = 0, routing = NULL,
              flow_id = NULL, flow_version = NULL, expires_at = CASE WHEN flow_id IS NULL THEN expires_at ELSE run_expires_at END, run_expires_at = NULL
        WHERE id = $1`,
      [a.id, steps.length],
    );
    await appendEvent(tx, {
      orgId: a.org_id,
      approvalId: a.id,
      type: 'steps.configured',
      actor: eventActor(auth),
      data: {
        is_sequential: a.is_sequential,
        replaced_steps: removed.rowCount,
        ...(unrouted ? { unrouted } : {}),
        steps: steps.map(toStep).map((s) => ({
          id: s.id,
          step_order: s.step_order,
          ...(s.approver_id ? { approver_id: s.approver_id } : { approvers: s.approvers.map(({ type, id }) => ({ type, id })) }),
          quorum: s.quorum,
        })),
      },
    });
    return steps;
  });
  return rows.map(toStep);
}

type Found = StepRow & { approver_ids_raw: string[]; team_ids_raw: string[]; approve_votes: number };

/**
 * Makes a pending step ask other people or teams, in one transaction behind the same guard as a vote
 * (the request locked, pending, not expired, no emergency stop), so a vote and a reassignment of one
 * request queue behind each other. Who may (the requester or an admin) is the request's rule
 * (greenlight_manager_refusal), checked before the guard. Votes already cast on the step stay and count towards its quorum.
 */
export async function reassignApprovalStep(
  db: Database,
  auth: Caller,
  approvalId: string,
  stepId: string,
  body: ReassignStepBody,
  options: { notify?: boolean } = {},
): Promise<Step> {
  const row = await db.transaction(async (tx) => {
    const a = await lockPendingAsManager(tx, auth, approvalId, 'reassign');
    if (options.notify) await tx.query(`SELECT set_config('greenlight.notify', 'on', true)`);
    const { rows: found } = await tx.query<Found>(
      `SELECT ${STEP_COLUMNS}, s.approver_ids AS approver_ids_raw, s.team_ids AS team_ids_raw,
              (SELECT count(*)::int FROM approval_votes v WHERE v.approval_id = s.approval_id AND v.step_order = s.step_order AND v.decision = 'approve') AS approve_votes
         FROM approval_steps s WHERE s.id = $1 AND s.approval_id = $2`,
      [stepId, a.id],
    );
    const step = found[0];
    if (!step) throw notFound('step');
    if (step.status !== 'pending') throw new ApiError('INVALID_STATUS', `step is already ${step.status}`, { reason: 'not_pending', status: step.status });

    const userIds = [...new Set(body.user_ids)];
    const teamIds = [...new Set(body.team_ids)];
    const quorum = body.quorum ?? (step.quorum === null ? 'all' : step.quorum);
    const issues = await approverIssues(tx, a.org_id, [{ path: 'body', user_ids: userIds, team_ids: teamIds, quorum }]);
    if (issues.length > 0) {
      const fixed = issues.map((i) => ({ ...i, path: i.path.replace(/^body\.(approvers\.)?/, '') }));
      throw new ApiError('VALIDATION_ERROR', `${fixed[0]!.path}: ${fixed[0]!.message}`, { location: 'body', issues: fixed });
    }
    if (typeof quorum === 'number' && step.approve_votes >= quorum) {
      throw new ApiError(
        'VALIDATION_ERROR',
        `quorum: the step already has ${step.approve_votes} approval${step.approve_votes === 1 ? '' : 's'}, which meets a quorum of ${quorum}; ask for more or approve it instead`,
        { location: 'body', issues: [{ path: 'quorum', code: 'custom', message: 'already met by the votes cast' }] },
      );
    }

    const { rows: updated } = await tx.query<StepRow>(
      `UPDATE approval_steps s SET approver_ids = $2::uuid[], team_ids = $3::uuid[], quorum = $4 WHERE s.id = $1 RETURNING ${STEP_COLUMNS}`,
      [step.id, userIds, teamIds, quorum === 'all' ? null : quorum],
    );
    await tx.query('UPDATE approvals SET updated_at = now() WHERE id = $1', [a.id]);
    // The names as they are now, beside the ids: the trail reads "from Bob to team Oncall" even after
    // someone leaves or a team is renamed, as events keep their actor's name.
    const named = (approvers: StepRow['approvers']) => approvers.map(({ type, id, name }) => ({ type, id, name }));
    const from = { user_ids: step.approver_ids_raw, team_ids: step.team_ids_raw, quorum: step.quorum === null ? 'all' : step.quorum, approvers: named(step.approvers) };
    const to = { user_ids: userIds, team_ids: teamIds, quorum, approvers: named(updated[0]!.approvers) };
    const comment = body.comment === undefined ? null : wellFormed(body.comment);
    const eventId = await appendEvent(tx, {
      orgId: a.org_id,
      approvalId: a.id,
      type: 'step.reassigned',
      actor: eventActor(auth),
      data: { step_id: step.id, step_order: step.step_order, from, to, comment },
    });
    await recordAudit(tx, {
      orgId: a.org_id,
      actor: auditActor(auth),
      type: 'approval.step_reassigned',
      target: { type: 'approval', id: a.id },
      details: { step_id: step.id, step_order: step.step_order, from, to, comment, event_id: eventId },
    });
    return updated[0]!;
  });
  return toStep(row);
}


/**
 * A person left the organization (removed, or deactivated by the identity provider): they are taken off
 * every pending step that names them, in the caller's transaction. Each request is locked as for a vote
 * first (CHANGE_LOCK on its row, as greenlight_lock_pending takes it), so a vote of theirs in flight
 * either commits before and counts, or waits and is refused for want of a membership. Neither the
 * request's status, its deadline nor the emergency stop holds this back: leaving is never refused.
 * A step left naming nobody asks the org's admins instead (never the person gone), so it can still be
 * decided or reassigned; its quorum stays as it was: fewer people never means fewer approvals needed.
 * Each change is a `step.reassigned` event (the newly asked are told) and an audit entry. Answers the
 * number of steps changed.
 */
export async function removePersonFromPendingSteps(tx: Queryable, orgId: string, userId: string, reason: string): Promise<number> {
  const { rows: requests } = await tx.query<{ id: string }>(
    `SELECT a.id FROM approvals a
      WHERE a.org_id = $1 AND a.status = 'pending'
        AND EXISTS (SELECT 1 FROM approval_steps s WHERE s.approval_id = a.id AND s.status = 'pending' AND $2::uuid = ANY (s.approver_ids))
      ORDER BY a.id ${CHANGE_LOCK}`,
    [orgId, userId],
  );
  if (requests.length === 0) return 0;
  await tx.query(`SELECT set_config('greenlight.notify', 'on', true)`);
  const { rows: admins } = await tx.query<{ user_id: string }>(
    `SELECT user_id FROM memberships WHERE org_id = $1 AND role = 'admin' AND user_id <> $2 ORDER BY created_at, user_id`,
    [orgId, userId],
  );
  let changed = 0;
  for (const { id: approvalId } of requests) {
    const { rows: steps } = await tx.query<{ id: string; step_order: number; approver_ids: string[]; team_ids: string[]; quorum: number | null }>(
      `SELECT id, step_order, approver_ids, team_ids, quorum FROM approval_steps
        WHERE approval_id = $1 AND status = 'pending' AND $2::uuid = ANY (approver_ids) ORDER BY step_order`,
      [approvalId, userId],
    );
    for (const step of steps) {
      let userIds = step.approver_ids.filter((id) => id !== userId);
      if (userIds.length + step.team_ids.length === 0) userIds = admins.map((a) => a.user_id);
      // No other admin is left (the last admin cannot leave, so only in a broken org): the step keeps naming
      // the person gone, who can no longer act; an admin made later can reassign it.
      if (userIds.length + step.team_ids.length === 0) continue;
      await tx.query('UPDATE approval_steps SET approver_ids = $2::uuid[] WHERE id = $1', [step.id, userIds]);
      const quorum = step.quorum === null ? 'all' : step.quorum;
      const from = { user_ids: step.approver_ids, team_ids: step.team_ids, quorum };
      const to = { user_ids: userIds, team_ids: step.team_ids, quorum };
      const eventId = await appendEvent(tx, {
        orgId,
        approvalId,
        type: 'step.reassigned',
        actor: SYSTEM_ACTOR,
        data: { step_id: step.id, step_order: step.step_order, from, to, comment: reason, removed_user_id: userId },
      });
      await recordAudit(tx, {
        orgId,
        actor: { type: 'system', name: 'membership' },
        type: 'approval.step_person_removed',
        target: { type: 'approval', id: approvalId },
        details: { step_id: step.id, step_order: step.step_order, user_id: userId, from, to, reason, event_id: eventId },
      });
      changed++;
    }
    await tx.query('UPDATE approvals SET updated_at = now() WHERE id = $1', [approvalId]);
  }
  return changed;
}
