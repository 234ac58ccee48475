import type { AuthContext, AppDeps } from '../../context.ts';
import type { AutoDecision } from '../../core/approvals/index.ts';
import { evaluate, type PolicyRequest } from '../../core/deciders/policy.ts';
import { policySetFor } from './policies.ts';

/**
 * At create: what the org's policies decide about the new request (core/deciders/policy.ts), as the
 * decision the create transaction makes, or null to ask people. Fails closed: a fault of the evaluator
 * (never a policy's own error, which evaluate handles) asks people and is logged.
 */
export async function decideByPolicies(
  deps: Pick<AppDeps, 'db' | 'policies' | 'logger'>,
  auth: Pick<AuthContext, 'org' | 'principal' | 'connection'>,
  request: Omit<PolicyRequest, 'requester'>,
): Promise<AutoDecision | null> {
  const set = await policySetFor(deps, auth.org.id);
  if (set.policies.length === 0) return null;
  const requester: PolicyRequest['requester'] = {
    kind: auth.principal.type,
    id: auth.principal.id,
    name: auth.principal.name,
    ...(auth.connection && { auth_type: auth.connection.auth_type }),
  };
  if (auth.connection?.auth_type === 'oauth') requester.oauth_client_id = await oauthClientOf(deps, auth.connection.id);
  try {
    const verdict = evaluate(`org:${auth.org.id}`, set, { ...request, requester });
    return verdict.kind === 'none' ? null : { decision: verdict.kind, policy: verdict.policy };
  } catch (err) {
    deps.logger.error({ err, org_id: auth.org.id, version: set.version }, 'policy evaluation failed: the request is left to people');
    return null;
  }
}

async function oauthClientOf(deps: Pick<AppDeps, 'db'>, connectionId: string): Promise<string | null> {
  const { rows } = await deps.db.query<{ client_id: string }>(
    'SELECT c.client_id FROM oauth_tokens t JOIN oauth_clients c ON c.id = t.client_id WHERE t.connection_id = $1 LIMIT 1',
    [connectionId],
  );
  return rows[0]?.client_id ?? null;
}
