import type { ReplayPoliciesBody, ReplayPoliciesResult } from '@greenlight/contract';
import type { AppDeps } from '../../context.ts';
import { evaluate, type PolicyRequest } from '../../core/deciders/policy.ts';
import { loadPolicySet } from '../../core/deciders/policy-cache.ts';
import { compileCandidate } from './policies.ts';

/** A decided request as replay reads it: what a policy reads of it, and who asked. */
type ReplayedRow = Omit<PolicyRequest, 'requester'> & {
  id: string;
  status: 'approved' | 'rejected';
  decided_by_type: string | null;
  requested_by_type: 'connection' | 'user';
  requested_by_id: string;
  requested_by_name: string | null;
  auth_type: 'api_key' | 'oauth' | null;
  oauth_client_id: string | null;
  created_at: Date;
};

const requests = (n: number) => (n === 1 ? '1 request' : `${n} requests`);

/**
 * Replays the org's latest decided requests against a candidate set, each as it was created (its
 * fields, who asked, and the time it was created), with the evaluation create uses
 * (core/deciders/policy.ts `evaluate`). Reads only. A revoked approval counts as rejected: it is.
 */
export async function replay(deps: Pick<AppDeps, 'db'>, orgId: string, body: ReplayPoliciesBody): Promise<ReplayPoliciesResult> {
  const current = await loadPolicySet(deps.db, orgId);
  const candidate = compileCandidate(current.version + 1, body.source, body.never_without_person);
  const { rows } = await deps.db.query<ReplayedRow>(
    `SELECT a.id, a.title, a.status, a.decided_by_type, a.action_type, a.source, a.priority, a.metadata, a.tags, a.resource, a.changes,
            a.callback_url IS NOT NULL AS has_callback, a.required_approvals, a.requested_by_type, a.requested_by_id, a.requested_by_name,
            c.auth_type,
            CASE WHEN c.auth_type = 'oauth' THEN (SELECT oc.client_id FROM oauth_tokens t JOIN oauth_clients oc ON oc.id = t.client_id
                                                   WHERE t.connection_id = c.id LIMIT 1) END AS oauth_client_id,
            a.created_at
       FROM approvals a LEFT JOIN connections c ON c.id = a.connection_id
      WHERE a.org_id = $1 AND a.status IN ('approved', 'rejected')
      ORDER BY a.created_at DESC, a.seq DESC
      LIMIT $2`,
    [orgId, body.limit],
  );
  const slot = `replay:${orgId}`;
  let wouldApprove = 0;
  let wouldReject = 0;
  let none = 0;
  let approvesRejected = 0;
  const disagreements: ReplayPoliciesResult['disagreements'] = [];
  for (const a of rows) {
    const request: PolicyRequest = {
      title: a.title,
      action_type: a.action_type,
      source: a.source,
      priority: a.priority,
      metadata: a.metadata ?? {},
      tags: a.tags ?? {},
      resource: a.resource,
      changes: a.changes,
      has_callback: a.has_callback,
      required_approvals: a.required_approvals,
      requester: {
        kind: a.requested_by_type,
        id: a.requested_by_id,
        name: a.requested_by_name,
        ...(a.auth_type && { auth_type: a.auth_type }),
        ...(a.oauth_client_id && { oauth_client_id: a.oauth_client_id }),
      },
    };
    const v = evaluate(slot, candidate, request, a.created_at);
    if (v.kind === 'approve') wouldApprove++;
    else if (v.kind === 'reject') wouldReject++;
    else none++;
    const otherwise = (v.kind === 'approve' && a.status === 'rejected') || (v.kind === 'reject' && a.status === 'approved');
    if (!otherwise) continue;
    if (v.kind === 'approve') approvesRejected++;
    disagreements.push({
      approval_id: a.id,
      title: a.title,
      created_at: a.created_at.toISOString(),
      decided: a.status,
      decided_by_type: a.decided_by_type,
      candidate: v.kind,
      policy_id: v.policy.id,
    });
  }
  const sentences = [
    `Replayed the latest ${rows.length} decided ${rows.length === 1 ? 'request' : 'requests'}: the candidate would approve ${wouldApprove}, reject ${wouldReject} and leave ${none} to people.`,
  ];
  if (disagreements.length === 0) sentences.push('It agrees with every decision it would have made.');
  else {
    if (approvesRejected > 0) sentences.push(`It would approve ${requests(approvesRejected)} that ${approvesRejected === 1 ? 'was' : 'were'} rejected.`);
    const rejectsApproved = disagreements.length - approvesRejected;
    if (rejectsApproved > 0) sentences.push(`It would reject ${requests(rejectsApproved)} that ${rejectsApproved === 1 ? 'was' : 'were'} approved.`);
  }
  return {
    replayed: rows.length,
    would_approve: wouldApprove,
    would_reject: wouldReject,
    no_decision: none,
    disagreements,
    approves_rejected: approvesRejected,
    sentences,
  };
}
