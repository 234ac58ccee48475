import type { Database, Queryable } from '../../storage/database.ts';
import { randomToken, sha256Hex } from '../../security/tokens.ts';
import { SIGN_IN_LINK_TTL_MINUTES } from '../orgs/create-org.ts';
import type { Role } from '../users/sessions.ts';
import { endAccessOf, type MembershipEndCause } from './membership-end.ts';
import { recordAudit, SYSTEM_ACTOR, type AuditActor } from '../../core/audit.ts';
import { queueAccountEmail } from '../../channels/email/account-email.ts';

export interface MemberRecord {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  password_set: boolean;
  see_sensitive: boolean;
  joined_at: Date;
}

const MEMBER_COLUMNS = `u.id AS user_id, u.email, u.name, m.role, u.password_hash IS NOT NULL AS password_set, m.see_sensitive, m.created_at AS joined_at`;

export class AlreadyMemberError extends Error {}
export class LastAdminError extends Error {}

export const toMemberJson = (m: MemberRecord) => ({
  user_id: m.user_id,
  email: m.email,
  name: m.name,
  role: m.role,
  password_set: m.password_set,
  // Admins have it by their role, whatever the column says.
  see_sensitive: m.role === 'admin' || m.see_sensitive,
  joined_at: m.joined_at.toISOString(),
});

export async function listMembers(db: Database, orgId: string): Promise<MemberRecord[]> {
  const { rows } = await db.query<MemberRecord>(
    `SELECT ${MEMBER_COLUMNS} FROM memberships m JOIN users u ON u.id = m.user_id
      WHERE m.org_id = $1 ORDER BY m.created_at, u.id`,
    [orgId],
  );
  return rows;
}

async function memberOf(tx: Queryable, orgId: string, userId: string): Promise<MemberRecord | null> {
  const { rows } = await tx.query<MemberRecord>(
    `SELECT ${MEMBER_COLUMNS} FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2`,
    [orgId, userId],
  );
  return rows[0] ?? null;
}

/**
 * Adds a person to the org, creating their account when the email is new. A one-time sign-in link
 * is made only for an account nobody can sign in to yet and that belongs to no other org: the link
 * lets its holder set the first password. An account another org relies on is not added but invited:
 * the link then asks its holder, signed in, to accept (modules/sessions/pages.ts). The answer has the
 * same shape and kinds of value either way (the email, the name given, no password yet, a link), so
 * it does not tell the admin whether the email has an account elsewhere.
 */
export async function addMember(
  db: Database,
  orgId: string,
  input: { email: string; name?: string | undefined; role: Role },
  actor: AuditActor = SYSTEM_ACTOR,
  options: { email?: boolean } = {},
): Promise<AddedMember> {
  return db.transaction((tx) => addMemberIn(tx, orgId, input, actor, options));
}

export type AddedMember = { member: MemberRecord; signInToken: string | null; signInExpiresAt: Date | null };

/** {@link addMember} in the caller's transaction. */
export async function addMemberIn(
  tx: Queryable,
  orgId: string,
  input: { email: string; name?: string | undefined; role: Role },
  actor: AuditActor = SYSTEM_ACTOR,
  options: { email?: boolean } = {},
): Promise<AddedMember> {
  await tx.query(`INSERT INTO users (email, name) VALUES ($1, $2) ON CONFLICT ((lower(email))) DO NOTHING`, [input.email, input.name ?? null]);
  const user = (
    await tx.query<{ id: string; password_set: boolean; other_orgs: number; here: boolean }>(
      `SELECT u.id, u.password_hash IS NOT NULL AS password_set,
              (SELECT count(*)::int FROM memberships m WHERE m.user_id = u.id AND m.org_id <> $2) AS other_orgs,
              EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.org_id = $2) AS here
         FROM users u WHERE lower(u.email) = lower($1) FOR UPDATE`,
      [input.email, orgId],
    )
  ).rows[0]!;
  if (user.here) throw new AlreadyMemberError(`${input.email} is already a member of this organization`);

  // With email on, the link is also emailed to the person, queued with it (channels/email/account-email.ts).
  const link = async (inviteRole: Role | null) => {
    const token = randomToken();
    const { rows } = await tx.query<{ expires_at: Date; created_at: Date }>(
      `INSERT INTO sign_in_tokens (token_hash, user_id, org_id, expires_at, invite_role)
       VALUES ($1, $2, $3, now() + make_interval(mins => $4), $5) RETURNING expires_at, created_at`,
      [sha256Hex(token), user.id, orgId, SIGN_IN_LINK_TTL_MINUTES, inviteRole],
    );
    if (options.email) {
      await queueAccountEmail(tx, { orgId, userId: user.id, kind: inviteRole ? 'invitation' : 'sign_in_link', token, expiresAt: rows[0]!.expires_at });
    }
    return { token, ...rows[0]! };
  };

  if (user.other_orgs > 0) {
    const invitation = await link(input.role);
    await recordAudit(tx, { orgId, actor, type: 'member.invited', target: { type: 'user', id: user.id }, details: { email: input.email, role: input.role } });
    const member: MemberRecord = { user_id: user.id, email: input.email, name: input.name ?? null, role: input.role, password_set: false, see_sensitive: false, joined_at: invitation.created_at };
    return { member, signInToken: invitation.token, signInExpiresAt: invitation.expires_at };
  }

  await tx.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)`, [orgId, user.id, input.role]);
  let signInToken: string | null = null;
  let signInExpiresAt: Date | null = null;
  if (!user.password_set) {
    const first = await link(null);
    signInToken = first.token;
    signInExpiresAt = first.expires_at;
  }
  await recordAudit(tx, { orgId, actor, type: 'member.added', target: { type: 'user', id: user.id }, details: { email: input.email, role: input.role } });
  return { member: (await memberOf(tx, orgId, user.id))!, signInToken, signInExpiresAt };
}

/** Accepts an invitation: the holder of `token`, signed in as `userId`, joins its org. Null when it is not (or no longer) valid for them. */
export async function acceptInvitation(db: Database, tokenHash: string, userId: string): Promise<{ orgId: string; role: Role } | null> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ org_id: string; invite_role: Role }>(
      `UPDATE sign_in_tokens SET used_at = now()
        WHERE token_hash = $1 AND user_id = $2 AND invite_role IS NOT NULL AND used_at IS NULL AND expires_at > now()
        RETURNING org_id, invite_role`,
      [tokenHash, userId],
    );
    const invitation = rows[0];
    if (!invitation) return null;
    await tx.query(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (org_id, user_id) DO NOTHING`, [
      invitation.org_id,
      userId,
      invitation.invite_role,
    ]);
    await recordAudit(tx, { orgId: invitation.org_id, actor: { type: 'user', id: userId }, type: 'invitation.accepted', target: { type: 'user', id: userId }, details: { role: invitation.invite_role } });
    return { orgId: invitation.org_id, role: invitation.invite_role };
  });
}

/**
 * Locks the org's admin memberships and the target's, so that two admins demoting or removing each
 * other at once are serialized: under READ COMMITTED the second re-reads the rows the first changed,
 * no longer sees that admin, and is refused. Null when the user is not a member.
 */
async function lockForChange(tx: Queryable, orgId: string, userId: string) {
  const { rows } = await tx.query<{ user_id: string; role: Role; see_sensitive: boolean }>(
    `SELECT user_id, role, see_sensitive FROM memberships WHERE org_id = $1 AND (role = 'admin' OR user_id = $2) ORDER BY user_id FOR UPDATE`,
    [orgId, userId],
  );
  const target = rows.find((r) => r.user_id === userId);
  if (!target) return null;
  return { target, admins: rows.filter((r) => r.role === 'admin').length };
}

const lastAdmin = (what: string) => new LastAdminError(`the last admin cannot be ${what}; make another member admin first`);

/** Changes a member's role and/or their `see_sensitive` permission (absent: unchanged), each change audited. */
export async function changeMember(
  db: Database,
  orgId: string,
  userId: string,
  change: { role?: Role | undefined; see_sensitive?: boolean | undefined },
  actor: AuditActor = SYSTEM_ACTOR,
): Promise<MemberRecord | null> {
  return db.transaction(async (tx) => {
    const locked = await lockForChange(tx, orgId, userId);
    if (!locked) return null;
    const role = change.role ?? locked.target.role;
    if (locked.target.role === 'admin' && role !== 'admin' && locked.admins <= 1) throw lastAdmin('demoted');
    await tx.query('UPDATE memberships SET role = $3, see_sensitive = COALESCE($4, see_sensitive) WHERE org_id = $1 AND user_id = $2', [
      orgId,
      userId,
      role,
      change.see_sensitive ?? null,
    ]);
    if (change.see_sensitive !== undefined && locked.target.see_sensitive !== change.see_sensitive) {
      await recordAudit(tx, {
        orgId,
        actor,
        type: 'member.permission_changed',
        target: { type: 'user', id: userId },
        details: { permission: 'see_sensitive', granted: change.see_sensitive },
      });
    }
    if (locked.target.role !== role) {
      await recordAudit(tx, {
        orgId,
        actor,
        type: 'member.role_changed',
        target: { type: 'user', id: userId },
        details: { role, previous_role: locked.target.role },
      });
    }
    return memberOf(tx, orgId, userId);
  });
}

/**
 * Ends a person's membership in the caller's transaction: the membership row, and with it everything
 * that let them act in this org (membership-end.ts: sessions, sign-in links, team places, OAuth grants,
 * the API keys they issued, their subscriptions, their places on pending steps). The account itself
 * stays: it may belong to other orgs. `removed`: an admin removed them; `deactivated`: the identity
 * provider did (SCIM), which may make them active again. The last admin is refused either way. Null
 * when the user is not a member.
 */
export async function endMembership(tx: Queryable, orgId: string, userId: string, actor: AuditActor, cause: MembershipEndCause): Promise<MemberRecord | null> {
  const locked = await lockForChange(tx, orgId, userId);
  if (!locked) return null;
  if (locked.target.role === 'admin' && locked.admins <= 1) throw lastAdmin(cause);
  const member = (await memberOf(tx, orgId, userId))!;
  await recordAudit(tx, {
    orgId,
    actor,
    type: cause === 'removed' ? 'member.removed' : 'member.deactivated',
    target: { type: 'user', id: userId },
    details: { email: member.email, role: member.role },
  });
  await tx.query('DELETE FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  await endAccessOf(tx, { orgId, userId, actor, cause });
  return member;
}

/** Removes a member (an admin's action): {@link endMembership} in its own transaction. */
export async function removeMember(db: Database, orgId: string, userId: string, actor: AuditActor = SYSTEM_ACTOR): Promise<MemberRecord | null> {
  return db.transaction((tx) => endMembership(tx, orgId, userId, actor, 'removed'));
}

/** The identity provider deactivated the person: {@link endMembership} in the caller's transaction. */
export const deactivateMember = (tx: Queryable, orgId: string, userId: string, actor: AuditActor): Promise<MemberRecord | null> =>
  endMembership(tx, orgId, userId, actor, 'deactivated');

/** The account of an email, made when new (without a membership or a password): an identity provider provisioning someone inactive. */
export async function ensureAccount(tx: Queryable, email: string, name: string | null): Promise<string> {
  await tx.query(`INSERT INTO users (email, name) VALUES ($1, $2) ON CONFLICT ((lower(email))) DO NOTHING`, [email, name]);
  return (await tx.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = lower($1)', [email])).rows[0]!.id;
}

export class AccountSharedError extends Error {}
export class EmailTakenError extends Error {}

/**
 * An org's identity provider renames a person or changes their sign-in email. The account is the
 * person's across orgs, so an org may change it only while no other org has them as a member: one
 * org's directory must not re-point another org's member's sign-in. Absent fields stay.
 */
export async function updateAccountFromDirectory(
  tx: Queryable,
  orgId: string,
  userId: string,
  change: { email?: string | undefined; name?: string | null | undefined },
): Promise<void> {
  const { rows } = await tx.query<{ email: string; name: string | null; other_orgs: number }>(
    `SELECT u.email, u.name, (SELECT count(*)::int FROM memberships m WHERE m.user_id = u.id AND m.org_id <> $2) AS other_orgs
       FROM users u WHERE u.id = $1 FOR UPDATE`,
    [userId, orgId],
  );
  const account = rows[0];
  if (!account) return;
  const emailChanges = change.email !== undefined && change.email.toLowerCase() !== account.email.toLowerCase();
  const nameChanges = change.name !== undefined && change.name !== account.name;
  if (!emailChanges && !nameChanges) return;
  if (account.other_orgs > 0) {
    if (emailChanges) throw new AccountSharedError('the sign-in email of an account that is a member of another organization too cannot be changed here');
    return;
  }
  if (emailChanges) {
    const taken = await tx.query('SELECT 1 FROM users WHERE lower(email) = lower($1) AND id <> $2', [change.email, userId]);
    if (taken.rows.length > 0) throw new EmailTakenError(`another account has the email ${change.email}`);
  }
  await tx.query('UPDATE users SET email = COALESCE($2, email), name = CASE WHEN $4 THEN $3 ELSE name END WHERE id = $1', [
    userId,
    emailChanges ? change.email : null,
    change.name ?? null,
    nameChanges,
  ]);
}
