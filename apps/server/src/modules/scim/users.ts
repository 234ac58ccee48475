import { z } from 'zod';
import { EmailAddress, SCIM_BASE_PATH, SCIM_SCHEMAS } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit } from '../../core/audit.ts';
import type { Role } from '../users/sessions.ts';
import {
  AccountSharedError,
  addMemberIn,
  AlreadyMemberError,
  deactivateMember,
  EmailTakenError,
  endMembership,
  ensureAccount,
  LastAdminError,
  updateAccountFromDirectory,
} from '../members/members.ts';
import { scimError, scimNotFound } from './errors.ts';
import { applyPatch, BoolLike, invalidBody, isUuid, listResponse, SCIM_ACTOR, uniquely } from './resources.ts';
import type { ScimCaller } from './tokens.ts';

/**
 * SCIM Users (RFC 7643 §4.1) are the org's people: every member, and everyone the identity provider
 * provisioned into it (scim_users), active or not. `active` is whether the person has access: a
 * membership, or an invitation of theirs still open (an account that belongs to another org too
 * joins by accepting, as when an admin adds it). Deactivation ends the membership through the same
 * function as removal (members.ts endMembership), which ends everything the person held.
 */

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  account_created_at: Date;
  member_role: Role | null;
  joined_at: Date | null;
  user_name: string | null;
  external_id: string | null;
  given_name: string | null;
  family_name: string | null;
  display_name: string | null;
  directory_email: string | null;
  directory_active: boolean | null;
  directory_role: Role | null;
  provisioned_at: Date | null;
  directory_updated_at: Date | null;
  invited: boolean;
}

const USER_SELECT = `
  SELECT u.id, u.email, u.name, u.created_at AS account_created_at, m.role AS member_role, m.created_at AS joined_at,
         s.user_name, s.external_id, s.given_name, s.family_name, s.display_name, s.email AS directory_email,
         s.active AS directory_active, s.role AS directory_role, s.created_at AS provisioned_at, s.updated_at AS directory_updated_at,
         EXISTS (SELECT 1 FROM sign_in_tokens t WHERE t.org_id = $1 AND t.user_id = u.id AND t.invite_role IS NOT NULL
                    AND t.used_at IS NULL AND t.expires_at > now()) AS invited
    FROM users u
    LEFT JOIN memberships m ON m.org_id = $1 AND m.user_id = u.id
    LEFT JOIN scim_users s ON s.org_id = $1 AND s.user_id = u.id
   WHERE (m.user_id IS NOT NULL OR s.user_id IS NOT NULL)`;

const hasAccess = (r: UserRow) => r.member_role !== null || (r.directory_active === true && r.invited);

export function toScimUser(r: UserRow, publicUrl: string): Record<string, unknown> {
  const created = r.provisioned_at ?? r.joined_at ?? r.account_created_at;
  const name = Object.fromEntries(
    Object.entries({ givenName: r.given_name, familyName: r.family_name, formatted: r.name }).filter(([, v]) => v !== null),
  );
  const displayName = r.display_name ?? r.name;
  return {
    schemas: [SCIM_SCHEMAS.user],
    id: r.id,
    ...(r.external_id !== null ? { externalId: r.external_id } : {}),
    userName: r.user_name ?? r.email,
    ...(Object.keys(name).length > 0 ? { name } : {}),
    ...(displayName !== null ? { displayName } : {}),
    emails: [{ value: r.directory_email ?? r.email, type: 'work', primary: true }],
    active: hasAccess(r),
    meta: {
      resourceType: 'User',
      created: created.toISOString(),
      lastModified: (r.directory_updated_at ?? created).toISOString(),
      location: `${publicUrl}${SCIM_BASE_PATH}/Users/${r.id}`,
    },
  };
}

async function userRow(db: Queryable, orgId: string, userId: string): Promise<UserRow | null> {
  if (!isUuid(userId)) return null;
  return (await db.query<UserRow>(`${USER_SELECT} AND u.id = $2`, [orgId, userId])).rows[0] ?? null;
}

export async function getScimUser(db: Queryable, caller: ScimCaller, userId: string, publicUrl: string): Promise<Record<string, unknown>> {
  const row = await userRow(db, caller.orgId, userId);
  if (!row) throw scimNotFound('User', userId);
  return toScimUser(row, publicUrl);
}

export async function listScimUsers(db: Queryable, caller: ScimCaller, query: unknown, publicUrl: string) {
  const { rows } = await db.query<UserRow>(`${USER_SELECT} ORDER BY coalesce(s.created_at, m.created_at), u.id`, [caller.orgId]);
  return listResponse(
    rows.map((r) => toScimUser(r, publicUrl)),
    query,
    SCIM_SCHEMAS.listResponse,
  );
}

const Text = (max: number) => z.string().trim().max(max).nullish();

/**
 * A User as POST and PUT send it (and as a PATCH leaves it). Attributes Greenlight does not keep
 * (phone numbers, the enterprise extension, …) are accepted and dropped, as RFC 7644 §3.3 allows.
 */
const ScimUserInput = z.object({
  // The sign-in email of the person: Greenlight accounts are keyed by email.
  userName: z.string().trim().pipe(EmailAddress),
  externalId: Text(255),
  name: z.object({ givenName: Text(200), familyName: Text(200), formatted: Text(400) }).partial().nullish(),
  displayName: Text(400),
  emails: z
    .array(z.object({ value: z.string().trim().max(320).optional(), type: z.string().max(50).nullish(), primary: BoolLike.nullish() }))
    .max(20)
    .nullish(),
  active: BoolLike.default(true),
});
type ScimUserInput = z.infer<typeof ScimUserInput>;

interface Desired {
  userName: string;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  email: string;
  accountName: string | null;
  active: boolean;
}

function desiredOf(body: unknown): Desired {
  const parsed = ScimUserInput.safeParse(body);
  if (!parsed.success) throw invalidBody(parsed.error);
  const u: ScimUserInput = parsed.data;
  const emails = u.emails ?? [];
  const email = (emails.find((e) => e.primary === true) ?? emails.find((e) => e.type === 'work') ?? emails[0])?.value || u.userName;
  const givenName = u.name?.givenName || null;
  const familyName = u.name?.familyName || null;
  const joined = [givenName, familyName].filter(Boolean).join(' ');
  return {
    userName: u.userName,
    externalId: u.externalId || null,
    givenName,
    familyName,
    displayName: u.displayName || null,
    email,
    accountName: u.displayName || u.name?.formatted || joined || null,
    active: u.active,
  };
}

/** The domain refusals of members.ts, in SCIM's terms. */
async function refusals<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await uniquely(fn);
  } catch (err) {
    if (err instanceof LastAdminError) throw scimError(400, 'mutability', err.message);
    if (err instanceof AccountSharedError) throw scimError(400, 'mutability', err.message);
    if (err instanceof EmailTakenError || err instanceof AlreadyMemberError) throw scimError(409, 'uniqueness', 'userName is already in use');
    throw err;
  }
}

async function assertUnique(tx: Queryable, orgId: string, userId: string | null, d: Desired): Promise<void> {
  const { rows } = await tx.query<{ what: string }>(
    `SELECT 'userName' AS what FROM scim_users WHERE org_id = $1 AND user_id IS DISTINCT FROM $2 AND lower(user_name) = lower($3)
     UNION ALL
     SELECT 'userName' FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND u.id IS DISTINCT FROM $2 AND lower(u.email) = lower($3)
     UNION ALL
     SELECT 'externalId' FROM scim_users WHERE org_id = $1 AND user_id IS DISTINCT FROM $2 AND $4::text IS NOT NULL AND external_id = $4
     LIMIT 1`,
    [orgId, userId, d.userName, d.externalId],
  );
  if (rows[0]) throw scimError(409, 'uniqueness', `${rows[0].what} is already in use in this organization`);
}

async function saveDirectoryRow(tx: Queryable, orgId: string, userId: string, d: Desired, role: Role): Promise<void> {
  await tx.query(
    `INSERT INTO scim_users (org_id, user_id, user_name, external_id, given_name, family_name, display_name, email, active, role)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (org_id, user_id) DO UPDATE SET user_name = EXCLUDED.user_name, external_id = EXCLUDED.external_id,
       given_name = EXCLUDED.given_name, family_name = EXCLUDED.family_name, display_name = EXCLUDED.display_name,
       email = EXCLUDED.email, active = EXCLUDED.active, role = EXCLUDED.role, updated_at = now()`,
    [orgId, userId, d.userName, d.externalId, d.givenName, d.familyName, d.displayName, d.email, d.active, role],
  );
}

/** An invitation of the person to this org, still open, no longer holds (they were deactivated or deleted before accepting). */
async function withdrawInvitations(tx: Queryable, orgId: string, userId: string): Promise<void> {
  await tx.query('UPDATE sign_in_tokens SET used_at = now() WHERE org_id = $1 AND user_id = $2 AND used_at IS NULL', [orgId, userId]);
}

/** POST /Users: 201 with the new User; 409 uniqueness when its userName or externalId is taken in the org. */
export async function createScimUser(db: Database, caller: ScimCaller, body: unknown, publicUrl: string): Promise<Record<string, unknown>> {
  const d = desiredOf(body);
  const { orgId } = caller;
  return refusals(() =>
    db.transaction(async (tx) => {
      await assertUnique(tx, orgId, null, d);
      let userId: string;
      if (d.active) {
        const added = await addMemberIn(tx, orgId, { email: d.userName, name: d.accountName ?? undefined, role: caller.defaultRole }, SCIM_ACTOR, { email: true });
        userId = added.member.user_id;
      } else {
        userId = await ensureAccount(tx, d.userName, d.accountName);
      }
      await saveDirectoryRow(tx, orgId, userId, d, caller.defaultRole);
      return toScimUser((await userRow(tx, orgId, userId))!, publicUrl);
    }),
  );
}

/**
 * PUT /Users/{id}, and PATCH: the person becomes what the body says. `active` false ends their
 * membership and everything they held (deactivateMember); true again restores it with the role they
 * had. Their sign-in email and name follow userName and the names only while the account is this
 * org's alone (members.ts updateAccountFromDirectory). The account row is locked before the User is
 * read, so concurrent changes of one person apply one after the other.
 */
async function changeUser(db: Database, caller: ScimCaller, userId: string, publicUrl: string, next: (current: Record<string, unknown>) => unknown): Promise<Record<string, unknown>> {
  const { orgId } = caller;
  return refusals(() =>
    db.transaction(async (tx) => {
      if (isUuid(userId)) await tx.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
      const current = await userRow(tx, orgId, userId);
      if (!current) throw scimNotFound('User', userId);
      const d = desiredOf(next(toScimUser(current, publicUrl)));
      await assertUnique(tx, orgId, userId, d);
      await updateAccountFromDirectory(tx, orgId, userId, { email: d.userName, name: d.accountName });
      const role: Role = current.member_role ?? current.directory_role ?? caller.defaultRole;
      const wasActive = hasAccess(current);
      await saveDirectoryRow(tx, orgId, userId, d, role);
      if (!d.active && current.member_role !== null) {
        await deactivateMember(tx, orgId, userId, SCIM_ACTOR);
      }
      if (!d.active) await withdrawInvitations(tx, orgId, userId);
      if (d.active && !wasActive) {
        await addMemberIn(tx, orgId, { email: d.userName, name: d.accountName ?? undefined, role }, SCIM_ACTOR, { email: true });
        await recordAudit(tx, { orgId, actor: SCIM_ACTOR, type: 'member.reactivated', target: { type: 'user', id: userId }, details: { email: d.userName, role } });
      }
      return toScimUser((await userRow(tx, orgId, userId))!, publicUrl);
    }),
  );
}

export const replaceScimUser = (db: Database, caller: ScimCaller, userId: string, body: unknown, publicUrl: string) =>
  changeUser(db, caller, userId, publicUrl, () => body);

/** PATCH /Users/{id}: the operations applied to the User as it is (RFC 7644 §3.5.2), then stored as a PUT of the result. */
export const patchScimUser = (db: Database, caller: ScimCaller, userId: string, body: unknown, publicUrl: string) =>
  changeUser(db, caller, userId, publicUrl, (current) => applyPatch(current, body));

/** DELETE /Users/{id}: the membership ends as on removal, and the identity provider's record of the person goes. */
export async function deleteScimUser(db: Database, caller: ScimCaller, userId: string): Promise<void> {
  const { orgId } = caller;
  await refusals(() =>
    db.transaction(async (tx) => {
      const current = await userRow(tx, orgId, userId);
      if (!current) throw scimNotFound('User', userId);
      if (current.member_role !== null) await endMembership(tx, orgId, userId, SCIM_ACTOR, 'removed');
      await withdrawInvitations(tx, orgId, userId);
      await tx.query('DELETE FROM scim_users WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
    }),
  );
}
