/**
 * The org's step-up setting (orgs.step_up_priorities, orgs.step_up_action_types): which requests only a
 * passkey-confirmed dashboard session decides. core/approvals/step-up.ts applies it; this is its only
 * writer, admins only (the route table), each change audited as `org.settings_changed`.
 */
import type { StepUpSettings } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { ApiError, notFound } from '../../errors.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { compileGlob, GlobError } from '../../core/routing.ts';

interface Row {
  priorities: StepUpSettings['priorities'];
  action_types: string[];
}

const SELECT = 'SELECT step_up_priorities AS priorities, step_up_action_types AS action_types FROM orgs WHERE id = $1';

export async function getStepUpSettings(db: Queryable, orgId: string): Promise<StepUpSettings> {
  const row = (await db.query<Row>(SELECT, [orgId])).rows[0];
  if (!row) throw notFound('organization');
  return { priorities: row.priorities, action_types: row.action_types };
}

/** The setting as stored: without repeats, each glob compiled by the routing rules' matcher (a malformed one is a 400 naming it). */
function normalized(s: StepUpSettings): StepUpSettings {
  s.action_types.forEach((glob, i) => {
    try {
      compileGlob(glob);
    } catch (err) {
      if (!(err instanceof GlobError)) throw err;
      const message = `"${glob}" is not a valid glob: ${err.message}`;
      throw new ApiError('VALIDATION_ERROR', `action_types.${i}: ${message}`, { location: 'body', issues: [{ path: `action_types.${i}`, code: 'custom', message }] });
    }
  });
  return { priorities: [...new Set(s.priorities)], action_types: [...new Set(s.action_types)] };
}

export async function putStepUpSettings(db: Database, orgId: string, body: StepUpSettings, actor: AuditActor): Promise<StepUpSettings> {
  const next = normalized(body);
  return db.transaction(async (tx) => {
    const before = (await tx.query<Row>(`${SELECT} FOR UPDATE`, [orgId])).rows[0];
    if (!before) throw notFound('organization');
    const same = JSON.stringify([before.priorities, before.action_types]) === JSON.stringify([next.priorities, next.action_types]);
    if (!same) {
      await tx.query('UPDATE orgs SET step_up_priorities = $2, step_up_action_types = $3 WHERE id = $1', [orgId, next.priorities, next.action_types]);
      await recordAudit(tx, {
        orgId,
        actor,
        type: 'org.settings_changed',
        target: { type: 'org', id: orgId },
        details: { from: { step_up: { priorities: before.priorities, action_types: before.action_types } }, to: { step_up: next } },
      });
    }
    return next;
  });
}
