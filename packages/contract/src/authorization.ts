import type { Scope } from './scopes.ts';
import type { ROLES } from './me.ts';

type Role = (typeof ROLES)[number];

/** The credentials a caller can present: an API key, an OAuth access token (a grant), a dashboard session cookie. */
export const PRINCIPAL_KINDS = ['api_key', 'oauth', 'session'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** Member roles, weakest first: each role may do everything the ones before it may. */
export const ROLE_ORDER = ['viewer', 'approver', 'admin'] as const satisfies readonly Role[];

export const roleAtLeast = (role: Role, minimum: Role) => ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(minimum);

/**
 * Whose resource a route acts on. A caller that is not an admin (a person with the admin role, signed in or
 * through their OAuth grant) may act only on what its own principal holds: an API key on what that key made,
 * a person (session or grant) on what they made. `others: 'hidden'`: the rest does not exist for the caller
 * (404, and lists show only the caller's own); `'forbidden'` (default): it is visible but refused with 403.
 */
export interface OwnershipRule {
  resource: 'approval' | 'subscription' | 'connection';
  /** Who holds it: the requester of an approval, the creator of a subscription, the person an OAuth grant acts for. */
  rule: 'requester' | 'creator' | 'holder';
  others?: 'forbidden' | 'hidden';
  /**
   * Where the rule is checked: by the router before the handler (default), or, for a change a request's
   * own rules already decide (`viewer_can.cancel`, `viewer_can.reassign`: greenlight_rules.sql), by that
   * rule alone, in the transition, with the same refusal (403 FORBIDDEN, before the request's status is
   * looked at); one definition, shown beforehand by viewer_can and enforced by the same SQL.
   */
  checkedBy?: { viewerCan: 'cancel' | 'reassign' };
}

/**
 * Who may call a route; enforced by the server's router and nowhere else, but for an ownership rule
 * the request's rules check (`owner.checkedBy`). Checked in this order:
 * principal kind → role → scope → emergency stop → ownership.
 */
export interface Authorization {
  /** The credentials accepted; any other gets 403 FORBIDDEN. */
  principals: readonly PrincipalKind[];
  /**
   * Minimum role of the person acting: signed in, or through an OAuth grant (which acts with the person's current
   * role). An API key holds no role: only admins issue keys, and its scopes are what bound it.
   */
  role: Role;
  /** Scope an API key or OAuth grant must hold (403 INSUFFICIENT_SCOPE); null: none. A session holds every scope. */
  scope: Scope | null;
  /** `refused`: 503 EMERGENCY_STOP while the org's emergency stop is on. */
  emergencyStop: 'refused' | 'allowed';
  owner?: OwnershipRule;
  /** What a viewer is refused, in the 403 message (`viewers cannot …`), when the minimum role is approver. */
  refusal?: string;
}

export const ANY_CREDENTIAL = ['api_key', 'oauth', 'session'] as const satisfies readonly PrincipalKind[];
export const SESSION_ONLY = ['session'] as const satisfies readonly PrincipalKind[];

/** The rules most routes share, named once: the dashboard's admin pages, its member pages, and reading requests. */
export const ADMIN_SESSION = { principals: SESSION_ONLY, role: 'admin', scope: null, emergencyStop: 'allowed' } as const satisfies Authorization;
export const MEMBER_SESSION = { principals: SESSION_ONLY, role: 'viewer', scope: null, emergencyStop: 'allowed' } as const satisfies Authorization;
export const READ_APPROVALS = { principals: ANY_CREDENTIAL, role: 'viewer', scope: 'approvals:read', emergencyStop: 'allowed' } as const satisfies Authorization;

const KIND_LABEL: Record<PrincipalKind, string> = { api_key: 'API key', oauth: 'OAuth grant', session: 'session' };
const RULE_LABEL: Record<OwnershipRule['rule'], string> = {
  requester: 'its requester or an admin',
  creator: 'its creator or an admin',
  holder: "the person it acts for or an admin; others' are hidden",
};

/** One line for people (README, OpenAPI description): who may call, with what. */
export function describeAuthorization(a: Authorization): string {
  const parts = [
    a.principals.map((k) => KIND_LABEL[k]).join(', '),
    a.role === 'viewer' ? 'any member' : a.role === 'approver' ? 'approver or admin' : 'admin',
    a.scope ? `\`${a.scope}\`` : 'no scope',
  ];
  if (a.owner) parts.push(RULE_LABEL[a.owner.rule] + (a.owner.checkedBy ? ` (\`viewer_can.${a.owner.checkedBy.viewerCan}\`)` : ''));
  if (a.emergencyStop === 'refused') parts.push('refused during the emergency stop');
  return parts.join(' · ');
}
