import type { Approval, ApprovalDetail, ApprovalStatus, ReviewerResult, Run, z } from '@greenlight/contract';
import type { Queryable } from '../storage/database.ts';
import { APPROVAL_JSON, IN_ORG, approvalFromJson, toApproval, type ApprovalRow } from './approval-record.ts';
import { forViewer, type Viewer } from './approval-view.ts';
import { STEP_COLUMNS, toStep, type StepRow } from './step-record.ts';
import { viewerCanColumns, viewerCanOfRow, withCan, type Asker, type CanColumns } from './approvals/rules.ts';

interface VoteRow {
  step_order: number;
  voter_type: 'user' | 'connection';
  voter_id: string;
  name: string | null;
  decision: 'approve' | 'reject';
  comment: string | null;
  /** A timestamp as JSON writes it. */
  created_at: string;
  on_behalf_of: string | null;
  on_behalf_name: string | null;
  source: string | null;
}

/** A step as a run shows it, read as JSON (runStepsSql). */
export type RunStepRow = Omit<StepRow, 'decided_at'> & { decided_at: string | null; name: string | null; time_limit_seconds: number | null };

/**
 * A request's steps as its run shows them, in their order, as one JSON array (`[]` without steps):
 * `approvalId` is the SQL of the request's id. approvalWithRun reads them with the request; `pnpm
 * generate` writes greenlight_run_steps from this, for a create's answer (greenlight_create_approvals).
 */
export const runStepsSql = (approvalId: string): string =>
  `(SELECT coalesce(json_agg(to_json(x) ORDER BY x.step_order), '[]'::json)
               FROM (SELECT ${STEP_COLUMNS}, s.name, s.time_limit_seconds FROM approval_steps s WHERE s.approval_id = ${approvalId}) x)`;
type ApprovalWithRunRow = ApprovalRow & CanColumns & { run_votes: VoteRow[]; run_steps: RunStepRow[] };

/**
 * A request with its run, in one statement: `GET /approvals/:id` is among the most frequent calls
 * (every polling automation makes it), and its votes and steps read apart were two more round trips.
 * Votes come oldest first, with the voter's current name (a person's name or email, a connection's
 * name), whom a delegate voted for and where the vote was cast; steps in their order. And what `who`
 * may do with it (rules.ts, viewerCanColumns; read back with viewerCanOfRow), a round trip less again.
 * Prepared on each connection and run from its generic plan from the first call: every part is found
 * by the request's primary key whatever the values (IN_ORG says why that matters for a kept plan),
 * and a create answers with it on a connection that may not have run it five times yet.
 */
export async function approvalWithRun(db: Queryable, orgId: string, id: string, who: Asker): Promise<ApprovalWithRunRow | undefined> {
  const values: unknown[] = [id, orgId];
  const param = (v: unknown) => `$${values.push(v)}`;
  const { rows } = await db.query<{ approval: Record<string, unknown> } & Omit<ApprovalWithRunRow, keyof ApprovalRow>>(
    `SELECT ${APPROVAL_JSON}, ${viewerCanColumns('a', who, param)},
            (SELECT coalesce(json_agg(json_build_object(
                      'step_order', v.step_order, 'voter_type', v.voter_type, 'voter_id', v.voter_id, 'decision', v.decision,
                      'comment', v.comment, 'created_at', v.created_at, 'on_behalf_of', v.on_behalf_of, 'source', v.source,
                      'name', CASE v.voter_type WHEN 'user' THEN coalesce(u.name, u.email) ELSE c.name END,
                      'on_behalf_name', coalesce(ob.name, ob.email))
                    ORDER BY v.created_at, v.step_order, v.voter_id), '[]'::json)
               FROM approval_votes v
               LEFT JOIN users u ON v.voter_type = 'user' AND u.id = v.voter_id
               LEFT JOIN users ob ON ob.id = v.on_behalf_of
               LEFT JOIN connections c ON v.voter_type = 'connection' AND c.id = v.voter_id
              WHERE v.approval_id = a.id) AS run_votes,
            ${runStepsSql('a.id')} AS run_steps
       FROM approvals a WHERE ${IN_ORG('$1', '$2')}`,
    values,
    { prepare: 'approval_with_run', generic: true },
  );
  const r = rows[0];
  if (!r) return undefined;
  const { approval, ...rest } = r;
  return Object.assign(approvalFromJson(approval), rest);
}

/**
 * A request as `GET /approvals/:id` shows it to `viewer`: as they may see it, with its run, every
 * reviewer's result and what they may do with it, in one statement. Undefined when it is not in the org.
 */
export async function detailFor(db: Queryable, orgId: string, id: string, viewer: Viewer & Asker): Promise<z.infer<typeof ApprovalDetail> | undefined> {
  const row = await approvalWithRun(db, orgId, id, viewer);
  return row && withCan({ ...forViewer(viewer, toApproval(row)), ...runOf(row) }, viewerCanOfRow(viewer, row));
}

/**
 * A request's run and its reviewers' results, as `GET /approvals/:id` shows them, from what
 * approvalWithRun read: every vote, and, when the request has steps, each step with its votes and the
 * active step (the lowest pending one while the request is pending).
 */
export function runOf(a: {
  status: ApprovalStatus;
  flow_id: string | null;
  flow_version: number | null;
  run_votes: VoteRow[];
  run_steps: RunStepRow[];
}): { run: Run | null; results: ReviewerResult[] } {
  const results: ReviewerResult[] = a.run_votes.map((v) => ({
    reviewer: { type: v.voter_type, id: v.voter_id, name: v.name },
    step_order: v.step_order === 0 ? null : v.step_order,
    result: v.decision === 'approve' ? 'approved' : 'rejected',
    comment: v.comment,
    decided_at: new Date(v.created_at).toISOString(),
    source: v.source,
    on_behalf_of: v.on_behalf_of ? { id: v.on_behalf_of, name: v.on_behalf_name } : null,
  }));
  const steps = a.run_steps;
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
          ...toStep({ ...s, decided_at: s.decided_at === null ? null : new Date(s.decided_at) }),
          name: s.name,
          time_limit_seconds: s.time_limit_seconds,
          approvals: own.filter((r) => r.result === 'approved').length,
          results: own,
        };
      }),
    },
  };
}

/**
 * A request of the org as `viewer` may see it, with what they may do with it (`viewer_can`), in one
 * statement rather than a read and then the rules' (a woken long poll's answer, an event stream's
 * event). Prepared on each connection and run from its generic plan, as approvalWithRun: every part
 * is found by the request's key (IN_ORG). Left to choose, Postgres planned it for its values at every
 * call, which took longer than running it (W1's statement log: 0.40 ms to plan, 0.28 to run).
 * Undefined when it is not in the org.
 */
export async function shownWithCan(db: Queryable, orgId: string, id: string, viewer: Viewer & Asker): Promise<{ row: ApprovalRow; shown: Approval } | undefined> {
  const values: unknown[] = [id, orgId];
  const param = (v: unknown) => `$${values.push(v)}`;
  const { rows } = await db.query<{ approval: Record<string, unknown> } & CanColumns>(
    `SELECT ${APPROVAL_JSON}, ${viewerCanColumns('a', viewer, param)} FROM approvals a WHERE ${IN_ORG('$1', '$2')}`,
    values,
    // Gathered: a decision's notification wakes its long polls and streams at once, each with this read.
    { prepare: 'approval_with_can', generic: true, gather: true },
  );
  const r = rows[0];
  if (!r) return undefined;
  const row = approvalFromJson(r.approval);
  return { row, shown: withCan(forViewer(viewer, toApproval(row)), viewerCanOfRow(viewer, r)) };
}
