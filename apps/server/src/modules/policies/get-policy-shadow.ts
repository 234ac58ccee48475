import type { Routes, ShadowReport } from '@greenlight/contract';
import type { Handler } from '../../context.ts';

/**
 * Each shadow policy's record against what happened to the requests: agreement is read from the
 * request's status now (an approval revoked since counts as rejected, as it is).
 */
export const getPolicyShadow: Handler<Routes['getPolicyShadow']> = async ({ auth, deps }) => {
  const { rows } = await deps.db.query<ShadowReport['policies'][number]>(
    `SELECT r.policy_id,
            count(*) FILTER (WHERE r.would = 'approve')::int AS would_approve,
            count(*) FILTER (WHERE r.would = 'reject')::int AS would_reject,
            count(*) FILTER (WHERE (r.would = 'approve' AND a.status = 'approved') OR (r.would = 'reject' AND a.status = 'rejected'))::int AS agreed,
            count(*) FILTER (WHERE (r.would = 'approve' AND a.status = 'rejected') OR (r.would = 'reject' AND a.status = 'approved'))::int AS disagreed,
            count(*) FILTER (WHERE a.status NOT IN ('approved', 'rejected'))::int AS undecided
       FROM policy_shadow_results r JOIN approvals a ON a.id = r.approval_id
      WHERE r.org_id = $1
      GROUP BY r.policy_id
      ORDER BY r.policy_id`,
    [auth.org.id],
  );
  return { status: 200, body: { policies: rows } };
};
