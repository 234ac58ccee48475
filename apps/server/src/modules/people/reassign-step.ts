import type { ReassignStepBody, Routes, Step } from '@greenlight/contract';
import type { AuthContext, Handler } from '../../context.ts';
import type { Database } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { actorOf as eventActor, appendEvent } from '../../core/events.ts';
import { actorOf as auditActor, recordAudit } from '../../core/audit.ts';
import { lockPending } from '../../core/approvals/index.ts';
import { STEP_COLUMNS, toStep, type StepRow } from '../../core/step-record.ts';
import { approverIssues } from '../../core/approvers.ts';
import { wellFormed } from '../../core/text.ts';

type Found = StepRow & { approver_ids_raw: string[]; team_ids_raw: string[]; approve_votes: number };

/**
 * Makes a pending step ask other people or teams, in one transaction behind the same guard as a vote
 * (the request locked, pending, not expired, no emergency stop), so a vote and a reassignment of one
 * request queue behind each other. Who may (the requester or an admin) is the route's ownership rule,
 * checked by the router. Votes already cast on the step stay and count towards its quorum.
 */
export async function reassignApprovalStep(
  db: Database,
  auth: AuthContext,
  approvalId: string,
  stepId: string,
  body: ReassignStepBody,
  options: { notify?: boolean } = {},
): Promise<Step> {
  const row = await db.transaction(async (tx) => {
    const a = await lockPending(tx, auth.org.id, approvalId);
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

export const reassignStep: Handler<Routes['reassignStep']> = async ({ params, body, auth, deps }) => ({
  status: 200,
  body: await reassignApprovalStep(deps.db, auth, params.id, params.stepId, body, { notify: deps.config.mail !== null }),
});
