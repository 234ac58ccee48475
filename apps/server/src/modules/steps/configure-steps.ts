import type { ConfigureStepsBody, Routes, Step } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import type { AuthContext } from '../../context.ts';
import type { Database } from '../../storage/database.ts';
import { ApiError } from '../../errors.ts';
import { actorOf, appendEvent } from '../../core/events.ts';
import { lockPending } from '../../core/state-machine.ts';
import { STEP_COLUMNS, toStep, type StepRow } from '../../core/step-record.ts';

/**
 * Replaces the step configuration of a pending request in one transaction. The request row is locked
 * as for a vote, so a configuration and a vote on the same request cannot interleave: once any vote
 * exists the steps are locked, and a vote never lands on a step that is being replaced.
 */
export async function configureApprovalSteps(
  db: Database,
  auth: AuthContext,
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
    const voted = await tx.query('SELECT 1 FROM approval_votes WHERE approval_id = $1 LIMIT 1', [a.id]);
    if (voted.rows.length > 0) throw new ApiError('STEPS_LOCKED', 'steps cannot be changed once a vote has been cast');

    const ids = [...new Set(input.map((s) => s.approver_id))];
    const members = await tx.query<{ user_id: string; role: 'admin' | 'approver' | 'viewer' }>(
      'SELECT user_id, role FROM memberships WHERE org_id = $1 AND user_id = ANY($2::uuid[])',
      [a.org_id, ids],
    );
    const roles = new Map(members.rows.map((m) => [m.user_id, m.role]));
    const issues = input.flatMap((s, i) => {
      const role = roles.get(s.approver_id);
      const path = `steps.${i}.approver_id`;
      // A user of another org and an unknown id get the same answer: neither reveals the other.
      if (!role) return [{ path, code: 'custom', message: `approver_id ${s.approver_id} is not a member of this organization` }];
      if (role === 'viewer') return [{ path, code: 'custom', message: `approver_id ${s.approver_id} is a viewer and cannot approve` }];
      return [];
    });
    if (issues.length > 0) {
      throw new ApiError('VALIDATION_ERROR', `${issues[0]!.path}: ${issues[0]!.message}`, { location: 'body', issues });
    }

    const removed = await tx.query('DELETE FROM approval_steps WHERE approval_id = $1', [a.id]);
    const ordered = [...input].sort((x, y) => x.step_order - y.step_order);
    const inserted = await tx.query<StepRow>(
      `INSERT INTO approval_steps AS s (approval_id, org_id, approver_id, step_order)
       SELECT $1, $2, u.approver_id, u.step_order
         FROM unnest($3::uuid[], $4::int[]) AS u (approver_id, step_order)
       RETURNING ${STEP_COLUMNS}`,
      [a.id, a.org_id, ordered.map((s) => s.approver_id), ordered.map((s) => s.step_order)],
    );
    const steps = inserted.rows.sort((x, y) => x.step_order - y.step_order);
    await tx.query('UPDATE approvals SET updated_at = now() WHERE id = $1', [a.id]);
    await appendEvent(tx, {
      orgId: a.org_id,
      approvalId: a.id,
      type: 'steps.configured',
      actor: actorOf(auth),
      data: {
        is_sequential: a.is_sequential,
        replaced_steps: removed.rowCount,
        steps: steps.map((s) => ({ id: s.id, step_order: s.step_order, approver_id: s.approver_id })),
      },
    });
    return steps;
  });
  return rows.map(toStep);
}

export const configureSteps: Handler<Routes['configureSteps']> = async ({ params, body, auth, deps }) => {
  const steps = await configureApprovalSteps(deps.db, auth, params.id, body.steps, { notify: deps.config.mail !== null });
  return { status: 201, body: { data: steps } };
};
