import type { Queryable } from '../../storage/database.ts';
import type { AuditActor } from '../../core/audit.ts';
import { removePersonFromPendingSteps } from '../../core/approvals/index.ts';
import { announceAuthChange } from '../../http/api-key-cache.ts';
import { revokeGrantsGivenBy } from '../../core/deciders/grant.ts';
import { disableSubscriptionsOf } from '../webhooks/disable-subscriptions.ts';
import { forgetDevicesOf } from '../webpush/webpush-subscriptions.ts';

/** Why a person's access to an org ends: an admin removed them, or the identity provider deactivated or deleted them. */
export type MembershipEndCause = 'removed' | 'deactivated';

export interface MembershipEnd {
  orgId: string;
  userId: string;
  actor: AuditActor;
  cause: MembershipEndCause;
}

/**
 * One thing a person held in an org that must not outlive their membership. Each runs in the
 * transaction that ends the membership, so nothing of theirs acts after it commits, and a failure
 * of any one leaves the person a member with everything intact.
 */
type Ending = (tx: Queryable, end: MembershipEnd) => Promise<void>;

const reasonOf = (end: MembershipEnd) =>
  end.cause === 'removed' ? 'its creator was removed from the organization' : 'its creator was deactivated by the identity provider';

/** Their dashboard sessions (a session's next request is answered 401) and unused sign-in links. */
const endSessions: Ending = async (tx, { orgId, userId }) => {
  await tx.query('DELETE FROM sessions WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  await tx.query('UPDATE sign_in_tokens SET used_at = now() WHERE org_id = $1 AND user_id = $2 AND used_at IS NULL', [orgId, userId]);
};

/** Their team places: a team step no longer asks them. */
const leaveTeams: Ending = async (tx, { orgId, userId }) => {
  await tx.query('DELETE FROM team_members WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
};

/**
 * Their OAuth grants (tokens and connections), the API keys they issued, and every subscription they
 * made or that was made through one of those credentials. The API-key cache of every replica drops
 * the org's keys once this commits.
 */
const revokeCredentials: Ending = async (tx, end) => {
  const { orgId, userId, actor } = end;
  await tx.query(
    `UPDATE oauth_tokens SET revoked_at = COALESCE(revoked_at, now())
      WHERE connection_id IN (SELECT id FROM connections WHERE org_id = $1 AND user_id = $2)`,
    [orgId, userId],
  );
  const { rows: theirs } = await tx.query<{ id: string }>(
    `UPDATE connections SET revoked_at = COALESCE(revoked_at, now())
      WHERE org_id = $1 AND (user_id = $2 OR created_by_user_id = $2) RETURNING id`,
    [orgId, userId],
  );
  await disableSubscriptionsOf(tx, orgId, { userId, connectionIds: theirs.map((c) => c.id) }, reasonOf(end), actor);
  announceAuthChange(tx, { orgId });
};

/** The standing grants they gave: what they consented to goes with them (a grant also checks its giver is a member at each use). */
const revokeGrants: Ending = async (tx, { orgId, userId, actor }) => {
  await revokeGrantsGivenBy(tx, orgId, userId, actor.type === 'system' ? null : actor);
};

/** Every pending step that names them asks someone else (core/approvals: the one writer of steps). */
const leavePendingSteps: Ending = async (tx, end) => {
  await removePersonFromPendingSteps(tx, end.orgId, end.userId, end.cause === 'removed' ? 'removed from the organization' : 'deactivated by the identity provider');
};

/** Their devices subscribed to Web Push: nothing more is pushed to them, and their actions' tokens are refused at use. */
const forgetDevices: Ending = async (tx, { orgId, userId }) => {
  await forgetDevicesOf(tx, orgId, userId);
};

/**
 * Everything a membership's end takes away, in order. Something new a person can hold in an org (a
 * standing grant, a device) adds its ending here, and removal and deactivation both run it.
 */
export const MEMBERSHIP_ENDINGS: readonly Ending[] = [endSessions, leaveTeams, revokeCredentials, revokeGrants, leavePendingSteps, forgetDevices];

export async function endAccessOf(tx: Queryable, end: MembershipEnd): Promise<void> {
  for (const ending of MEMBERSHIP_ENDINGS) await ending(tx, end);
}
