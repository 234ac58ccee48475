import { ROLE_ORDER } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit } from '../../core/audit.ts';
import type { Role } from '../users/sessions.ts';
import type { SsoProviderConfig } from './sso-settings.ts';
import type { VerifiedClaims } from './oidc-client.ts';

/** Why a person the provider vouched for is not signed in; each says what to do next. */
export const SSO_REFUSALS = {
  email_unverified: 'Your identity provider did not confirm your email address (email_verified), so Greenlight cannot tell who you are. Ask your IT team to have it confirmed.',
  no_email: 'Your identity provider did not send your email address. Ask your IT team to release the email claim to Greenlight.',
  removed: 'Your membership of this organization was ended by an admin. Ask an admin of the organization to add you again.',
  other_subject: 'Your Greenlight account is linked to another identity of this identity provider. Ask an admin of the organization.',
  existing_account: 'A Greenlight account with your email address already exists, but it is not a member of this organization. Ask an admin of the organization to add you (an invitation), then sign in with SSO again.',
} as const;
export type SsoRefusal = keyof typeof SSO_REFUSALS;

export type SsoAccount = { userId: string; joined: Role | null } | { refusal: SsoRefusal };

/** The role a person who joins gets: the strongest role of a group of theirs that is mapped, else the default. */
export function roleFor(provider: Pick<SsoProviderConfig, 'defaultRole' | 'groupsClaim' | 'groupRoles'>, claims: Record<string, unknown>): Role {
  if (!provider.groupsClaim) return provider.defaultRole;
  const raw = claims[provider.groupsClaim];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
  const mapped = groups.flatMap((g) => (Object.hasOwn(provider.groupRoles, g) ? [provider.groupRoles[g]!] : []));
  if (mapped.length === 0) return provider.defaultRole;
  return mapped.reduce((best, r) => (ROLE_ORDER.indexOf(r) > ROLE_ORDER.indexOf(best) ? r : best));
}

/**
 * Who the provider's subject is in the org, in one transaction:
 * 1. Known subject (`sso_identities`, by issuer + `sub`, never by email): that person, if still a
 *    member; a subject whose membership an admin ended is refused, not added again.
 * 2. Unknown subject with a verified email of a member: that member, linked to the subject from now on.
 * 3. Unknown subject, email of an account that is not a member here: refused. Linking by email alone
 *    would let any org's provider (its admin chooses the issuer) claim a person of another org.
 * 4. Unknown subject and unknown email: a new account (no password) that joins with `roleFor`.
 */
export async function accountFor(db: Database, provider: SsoProviderConfig, claims: VerifiedClaims): Promise<SsoAccount> {
  const email = typeof claims.email === 'string' ? claims.email.trim() : '';
  if (!email || email.length > 320 || !email.includes('@')) return { refusal: 'no_email' };
  if (claims.email_verified !== true) return { refusal: 'email_unverified' };
  const orgId = provider.orgId;
  return db.transaction(async (tx) => {
    const known = (
      await tx.query<{ user_id: string }>(
        'SELECT user_id FROM sso_identities WHERE org_id = $1 AND issuer = $2 AND subject = $3 FOR UPDATE',
        [orgId, claims.iss, claims.sub],
      )
    ).rows[0];
    if (known) {
      if (!(await isActiveMember(tx, orgId, known.user_id))) return { refusal: 'removed' };
      await tx.query('UPDATE sso_identities SET last_sign_in_at = now() WHERE org_id = $1 AND issuer = $2 AND subject = $3', [orgId, claims.iss, claims.sub]);
      return { userId: known.user_id, joined: null };
    }
    const name = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
    // A new account, or nothing when the email has one (a concurrent first sign-in included).
    const created = (await tx.query<{ id: string }>(`INSERT INTO users (email, name) VALUES ($1, $2) ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`, [email, name])).rows[0];
    let userId: string;
    let joined: Role | null = null;
    if (created) {
      userId = created.id;
      joined = roleFor(provider, claims);
      await tx.query('INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)', [orgId, userId, joined]);
      await recordAudit(tx, {
        orgId,
        actor: { type: 'user', id: userId },
        type: 'member.joined_via_sso',
        target: { type: 'user', id: userId },
        details: { email, role: joined, issuer: claims.iss },
      });
    } else {
      const existing = (await tx.query<{ id: string }>('SELECT id FROM users WHERE lower(email) = lower($1) FOR UPDATE', [email])).rows[0]!;
      if (!(await isActiveMember(tx, orgId, existing.id))) return { refusal: 'existing_account' };
      userId = existing.id;
    }
    // One subject per person per provider: a person whose account is already linked to another
    // subject of this issuer is not linked a second time (the provider changed their sub: an admin's matter).
    const linked = await tx.query(
      `INSERT INTO sso_identities (org_id, issuer, subject, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING user_id`,
      [orgId, claims.iss, claims.sub, userId],
    );
    if (linked.rowCount === 0) {
      // A concurrent first sign-in of the same subject linked it already: the same person.
      const same = await tx.query('SELECT 1 FROM sso_identities WHERE org_id = $1 AND issuer = $2 AND subject = $3 AND user_id = $4', [orgId, claims.iss, claims.sub, userId]);
      if (same.rows.length === 0) return { refusal: 'other_subject' };
    }
    return { userId, joined };
  });
}

/**
 * Whether the person may act in the org now. The one place SSO asks it: a membership that exists
 * (an admin's removal deletes it).
 */
async function isActiveMember(tx: Queryable, orgId: string, userId: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  return rows.length > 0;
}

/** Whether the org the password sign-in would open a session in requires SSO: then the password is refused. */
export async function requiresSso(db: Queryable, orgId: string): Promise<{ slug: string; name: string } | null> {
  const { rows } = await db.query<{ slug: string; name: string }>(
    'SELECT o.slug, o.name FROM sso_settings s JOIN orgs o ON o.id = s.org_id WHERE s.org_id = $1 AND s.require_sso',
    [orgId],
  );
  return rows[0] ?? null;
}
