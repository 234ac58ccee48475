import type { AuthContext, AppDeps } from '../../context.ts';
import type { AutoDecision } from '../../core/approvals/index.ts';
import type { Queryable } from '../../storage/database.ts';
import { evaluate, shadowVerdicts, type PolicyRequest, type ShadowVerdict } from '../../core/deciders/policy.ts';
import { policySetFor } from './policies.ts';

export interface PolicyOutcome {
  /** The decision the create transaction makes; null: people are asked. */
  decision: AutoDecision | null;
  /** What the shadow policies would have decided, to record once the request exists. */
  shadow: { version: number; verdicts: ShadowVerdict[] };
  /** The request is of a class that never goes without a person (never_without_person): no grant approves it either. */
  needsPerson: boolean;
}

/**
 * At create: what the org's policies decide about the new request (core/deciders/policy.ts), and what
 * its shadow policies would have. Fails closed: a fault of the evaluator (never a policy's own error,
 * which evaluate handles) asks people and is logged.
 */
export async function decideByPolicies(
  deps: Pick<AppDeps, 'db' | 'policies' | 'logger'>,
  auth: Pick<AuthContext, 'org' | 'principal' | 'connection'>,
  request: Omit<PolicyRequest, 'requester'>,
): Promise<PolicyOutcome> {
  const set = await policySetFor(deps, auth.org.id);
  const none: PolicyOutcome = { decision: null, shadow: { version: set.version, verdicts: [] }, needsPerson: set.needsPerson(request) };
  if (set.policies.length === 0) return none;
  const requester: PolicyRequest['requester'] = {
    kind: auth.principal.type,
    id: auth.principal.id,
    name: auth.principal.name,
    ...(auth.connection && { auth_type: auth.connection.auth_type }),
  };
  if (auth.connection?.auth_type === 'oauth') requester.oauth_client_id = await oauthClientOf(deps.db, auth.connection.id);
  const slot = `org:${auth.org.id}`;
  const full = { ...request, requester };
  const now = new Date();
  try {
    const verdict = evaluate(slot, set, full, now);
    return {
      decision: verdict.kind === 'none' ? null : { decision: verdict.kind, policy: verdict.policy },
      shadow: { version: set.version, verdicts: shadowVerdicts(slot, set, full, now) },
      needsPerson: none.needsPerson,
    };
  } catch (err) {
    deps.logger.error({ err, org_id: auth.org.id, version: set.version }, 'policy evaluation failed: the request is left to people');
    return none;
  }
}

/**
 * Records the shadow verdicts of a request just created. After its create and outside it: a record
 * that could not be written is logged, never a reason to fail the create.
 */
export async function recordShadow(deps: Pick<AppDeps, 'db' | 'logger'>, orgId: string, approvalId: string, shadow: PolicyOutcome['shadow']): Promise<void> {
  if (shadow.verdicts.length === 0) return;
  try {
    await deps.db.query(
      `INSERT INTO policy_shadow_results (approval_id, org_id, policy_id, version, would)
       SELECT $1, $2, v.policy_id, $3, v.would FROM jsonb_to_recordset($4::jsonb) AS v(policy_id text, would text)
       ON CONFLICT DO NOTHING`,
      [approvalId, orgId, shadow.version, JSON.stringify(shadow.verdicts)],
    );
  } catch (err) {
    deps.logger.error({ err, org_id: orgId, approval_id: approvalId }, 'shadow policy verdicts not recorded');
  }
}

async function oauthClientOf(db: Queryable, connectionId: string): Promise<string | null> {
  const { rows } = await db.query<{ client_id: string }>(
    'SELECT c.client_id FROM oauth_tokens t JOIN oauth_clients c ON c.id = t.client_id WHERE t.connection_id = $1 LIMIT 1',
    [connectionId],
  );
  return rows[0]?.client_id ?? null;
}
