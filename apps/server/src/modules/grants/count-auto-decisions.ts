import { AUTO_DECISION_WINDOWS, type Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { grantDecisionCounts } from '../../core/deciders/grant.ts';

/**
 * `GET /api/v1/auto-decisions`: prompts avoided, per policy and per grant, over a window, counted from the
 * stored decisions (`decided_by_type`, `decided_by_policy.id`, `decided_by_grant.id`; indexed by
 * approvals_auto_decided_idx). Every member may read every request, so every policy's count is theirs to
 * see; a grant's only when the grant is (as `GET /grants` lists them).
 */
export const countAutoDecisions: Handler<Routes['countAutoDecisions']> = async ({ query, auth, deps }) => {
  const { rows: clock } = await deps.db.query<{ since: Date }>('SELECT now() - make_interval(secs => $1) AS since', [AUTO_DECISION_WINDOWS[query.window]]);
  const since = clock[0]!.since;
  const { rows: policies } = await deps.db.query<{ id: string; approved: string; rejected: string }>(
    `SELECT a.decided_by_policy ->> 'id' AS id,
            count(*) FILTER (WHERE a.status = 'approved' OR a.revoked_at IS NOT NULL) AS approved,
            count(*) FILTER (WHERE a.status = 'rejected' AND a.revoked_at IS NULL) AS rejected
       FROM approvals a
      WHERE a.org_id = $1 AND a.decided_by_type = 'policy' AND a.decided_at >= $2
      GROUP BY 1 ORDER BY count(*) DESC, 1`,
    [auth.org.id, since],
  );
  const grants = await grantDecisionCounts(deps.db, auth.org.id, auth, since);
  return {
    status: 200,
    body: {
      window: query.window,
      since: since.toISOString(),
      policies: policies.map((p) => ({ id: p.id, approved: Number(p.approved), rejected: Number(p.rejected) })),
      grants: grants.map((g) => ({
        id: g.id,
        given_by: { id: g.given_by, name: g.given_by_name },
        action_type: g.action_type,
        connection: { id: g.connection_id, name: g.connection_name },
        approved: g.approved,
      })),
    },
  };
};
