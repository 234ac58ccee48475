import { roleAtLeast, type Authorization, type OwnershipRule, type PrincipalKind } from '@greenlight/contract';
import type { AuthContext, Principal } from '../context.ts';
import { ApiError, emergencyStop, notFound } from '../errors.ts';

/**
 * Who holds one resource: null when it does not exist in the org (the handler answers its own 404);
 * `owner: null` when no principal holds it (an API-key connection has no person), so only an admin may act on it.
 */
export type OwnerLookup = (orgId: string, id: string) => Promise<{ owner: Principal | null } | null>;
export type OwnerLookups = Record<OwnershipRule['resource'], OwnerLookup>;

const NOT_FOUND_NAME: Record<OwnershipRule['resource'], string> = {
  approval: 'approval request',
  subscription: 'webhook subscription',
  connection: 'connection',
};

export const principalKind = (auth: AuthContext): PrincipalKind => auth.connection?.auth_type ?? 'session';

/** A person with the admin role, signed in or through their OAuth grant. An API key is never one. */
const isAdminPerson = (auth: AuthContext) => auth.user?.role === 'admin';

/**
 * The route's authorization (packages/contract authorization.ts) before validation, in the contract's
 * order: principal kind → role → scope → emergency stop. The stop is a fast refusal here; the decision
 * path checks it again under its row lock.
 */
export function authorizeCaller(a: Authorization, auth: AuthContext): void {
  const kind = principalKind(auth);
  if (!a.principals.includes(kind)) {
    const sessionOnly = a.principals.length === 1 && a.principals[0] === 'session';
    throw new ApiError(
      'FORBIDDEN',
      sessionOnly
        ? `only ${a.role === 'admin' ? 'an admin' : 'a person'} signed in to the dashboard can do this; API keys and OAuth tokens cannot`
        : `this route does not accept ${kind === 'api_key' ? 'API keys' : kind === 'oauth' ? 'OAuth tokens' : 'dashboard sessions'}`,
    );
  }
  const role = auth.user?.role;
  if (role && !roleAtLeast(role, a.role)) {
    throw new ApiError(
      'FORBIDDEN',
      a.role === 'admin' ? `only admins can do this; you are ${role}` : `viewers cannot ${a.refusal ?? 'do this'}`,
    );
  }
  if (a.scope && !auth.scopes.includes(a.scope)) {
    throw new ApiError('INSUFFICIENT_SCOPE', `this credential lacks the ${a.scope} scope`, { required_scope: a.scope });
  }
  if (a.emergencyStop === 'refused' && auth.org.emergency_stop) throw emergencyStop();
}

/**
 * The ownership rule, after the id has been validated. Answers the principal a list must be limited
 * to (null: all), having refused a single resource that belongs to someone else. A rule the request's
 * own rules decide (`checkedBy`: cancel, reassign) is left to them: the transition checks it.
 */
export async function authorizeOwnership(a: Authorization, auth: AuthContext, params: { id?: string }, lookups: OwnerLookups): Promise<Principal | null> {
  if (!a.owner || a.owner.checkedBy || isAdminPerson(auth)) return null;
  if (params.id === undefined) return auth.principal;
  const found = await lookups[a.owner.resource](auth.org.id, params.id);
  if (!found) return auth.principal;
  const own = found.owner !== null && found.owner.type === auth.principal.type && found.owner.id === auth.principal.id;
  if (own) return auth.principal;
  if (a.owner.others === 'hidden') throw notFound(NOT_FOUND_NAME[a.owner.resource]);
  throw new ApiError('FORBIDDEN', `only ${RULE_TEXT[a.owner.rule]} or an admin can do this`);
}

const RULE_TEXT: Record<OwnershipRule['rule'], string> = {
  requester: 'the requester of this request',
  creator: 'the creator of this subscription',
  holder: 'the person this connection acts for',
};
