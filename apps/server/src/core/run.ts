import type { ApprovalStatus, ReviewerResult, Run } from '@greenlight/contract';
import type { Queryable } from '../storage/database.ts';
import { STEP_COLUMNS, toStep, type StepRow } from './step-record.ts';

interface VoteRow {
  step_order: number;
  voter_type: 'user' | 'connection';
  voter_id: string;
  name: string | null;
  decision: 'approve' | 'reject';
  comment: string | null;
  created_at: Date;
  on_behalf_of: string | null;
  on_behalf_name: string | null;
}

/**
 * A request's run and its reviewers' results, as `GET /approvals/:id` shows them: every vote, oldest
 * first, with the voter's current name (a person's name or email, a connection's name) and whom a
 * delegate voted for; and, when the
 * request has steps, each step with its votes and the active step (the lowest pending one while the
 * request is pending).
 */
export async function runOf(
  db: Queryable,
  a: { id: string; status: ApprovalStatus; flow_id: string | null; flow_version: number | null },
): Promise<{ run: Run | null; results: ReviewerResult[] }> {
  const { rows: votes } = await db.query<VoteRow>(
    `SELECT v.step_order, v.voter_type, v.voter_id, v.decision, v.comment, v.created_at, v.on_behalf_of,
            CASE v.voter_type WHEN 'user' THEN coalesce(u.name, u.email) ELSE c.name END AS name,
            coalesce(ob.name, ob.email) AS on_behalf_name
       FROM approval_votes v
       LEFT JOIN users u ON v.voter_type = 'user' AND u.id = v.voter_id
       LEFT JOIN users ob ON ob.id = v.on_behalf_of
       LEFT JOIN connections c ON v.voter_type = 'connection' AND c.id = v.voter_id
      WHERE v.approval_id = $1
      ORDER BY v.created_at, v.step_order, v.voter_id`,
    [a.id],
    { prepare: 'run_votes' },
  );
  const results: ReviewerResult[] = votes.map((v) => ({
    reviewer: { type: v.voter_type, id: v.voter_id, name: v.name },
    step_order: v.step_order === 0 ? null : v.step_order,
    result: v.decision === 'approve' ? 'approved' : 'rejected',
    comment: v.comment,
    decided_at: v.created_at.toISOString(),
    on_behalf_of: v.on_behalf_of ? { id: v.on_behalf_of, name: v.on_behalf_name } : null,
  }));
  const { rows: steps } = await db.query<StepRow & { name: string | null; time_limit_seconds: number | null }>(
    `SELECT ${STEP_COLUMNS}, s.name, s.time_limit_seconds FROM approval_steps s WHERE s.approval_id = $1 ORDER BY s.step_order`,
    [a.id],
    { prepare: 'run_steps' },
  );
  if (steps.length === 0) return { run: null, results };
  const pending = steps.find((s) => s.status === 'pending');
  return {
    results,
    run: {
      flow_id: a.flow_id,
      flow_version: a.flow_version,
      status: a.status,
      active_step: a.status === 'pending' && pending ? pending.step_order : null,
      steps: steps.map((s) => {
        const own = results.filter((r) => r.step_order === s.step_order);
        return {
          ...toStep(s),
          name: s.name,
          time_limit_seconds: s.time_limit_seconds,
          approvals: own.filter((r) => r.result === 'approved').length,
          results: own,
        };
      }),
    },
  };
}
