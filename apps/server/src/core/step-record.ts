import type { Step, StepApprover } from '@greenlight/contract';
import { iso } from './approval-record.ts';

/**
 * Everyone a step asks, with today's names: the people it names (name, or email when they have
 * none), then the teams, each in the order given. A person or team that no longer exists keeps its id.
 * A person away on a pending step carries `delegated_to`: who is asked in their place, until when
 * (greenlight_stand_in); the key is absent otherwise.
 */
const STEP_APPROVERS = `(SELECT coalesce(json_agg(x.j ORDER BY x.k, x.ord), '[]'::json) FROM (
    SELECT 0 AS k, u.ord, jsonb_build_object('type', 'user', 'id', u.id, 'name', coalesce(us.name, us.email)) || coalesce((
             SELECT jsonb_build_object('delegated_to', jsonb_build_object('id', d.delegate_id, 'name', coalesce(du.name, du.email),
                                      'until', to_char(d.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
               FROM delegations d JOIN users du ON du.id = d.delegate_id
              WHERE s.status = 'pending' AND d.org_id = s.org_id AND d.user_id = u.id
                AND greenlight_stand_in(s.org_id, u.id) = d.delegate_id), '{}'::jsonb) AS j
      FROM unnest(s.approver_ids) WITH ORDINALITY AS u (id, ord) LEFT JOIN users us ON us.id = u.id
    UNION ALL
    SELECT 1, t.ord, jsonb_build_object('type', 'team', 'id', t.id, 'name', tm.name)
      FROM unnest(s.team_ids) WITH ORDINALITY AS t (id, ord) LEFT JOIN teams tm ON tm.id = t.id AND tm.org_id = s.org_id
  ) x)`;

/** The columns every step query selects (alias `s`); `toStep` turns one such row into the API shape. */
export const STEP_COLUMNS = `s.id, s.approval_id, s.org_id, s.step_order, s.quorum, s.status, s.decided_at, s.decided_by, s.comment, ${STEP_APPROVERS} AS approvers`;

export interface StepRow {
  id: string;
  approval_id: string;
  org_id: string;
  step_order: number;
  /** Null: every person asked must approve. */
  quorum: number | null;
  approvers: StepApprover[];
  status: Step['status'];
  decided_at: Date | null;
  decided_by: string | null;
  comment: string | null;
}

export function toStep(r: StepRow): Step {
  const only = r.approvers.length === 1 && r.approvers[0]!.type === 'user' ? r.approvers[0]! : null;
  return {
    id: r.id,
    // The spec names the parent `approval_request_id`; the table keeps the shorter name used everywhere else.
    approval_request_id: r.approval_id,
    step_order: r.step_order,
    approver_id: only?.id ?? null,
    approvers: r.approvers,
    quorum: r.quorum ?? 'all',
    status: r.status,
    decided_at: iso(r.decided_at),
    decided_by: r.decided_by,
    comment: r.comment,
  };
}
