import { SSO_CALLBACK_PATH, SSO_START_PATH, type SsoSettings, type SsoStatus, type UpdateSsoSettingsBody } from '@greenlight/contract';
import type { Config } from '../../config.ts';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { ApiError, fieldError } from '../../errors.ts';
import type { Role } from '../users/sessions.ts';

interface SettingsRow {
  org_id: string;
  issuer: string;
  client_id: string;
  require_sso: boolean;
  default_role: Role;
  groups_claim: string | null;
  group_roles: Record<string, Role>;
  additional_scopes: string[];
  updated_at: Date;
  email_domains: string[];
}

/** An org's provider as the sign-in flow needs it: the secret opened. Never leaves the server. */
export interface SsoProviderConfig {
  orgId: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  requireSso: boolean;
  defaultRole: Role;
  groupsClaim: string | null;
  groupRoles: Record<string, Role>;
  additionalScopes: string[];
}

const SELECT = `SELECT s.org_id, s.issuer, s.client_id, s.require_sso, s.default_role, s.groups_claim, s.group_roles, s.additional_scopes, s.updated_at,
       COALESCE((SELECT array_agg(d.domain ORDER BY d.domain) FROM sso_domains d WHERE d.org_id = s.org_id), '{}') AS email_domains
  FROM sso_settings s WHERE s.org_id = $1`;

export const redirectUriOf = (publicUrl: string) => `${publicUrl}${SSO_CALLBACK_PATH}`;
export const signInUrlOf = (publicUrl: string, slug: string) => `${publicUrl}${SSO_START_PATH}?org=${encodeURIComponent(slug)}`;

/** The settings as admins see them: whether the secret is set, never the secret. */
function view(row: SettingsRow | undefined, publicUrl: string, slug: string): SsoSettings {
  return {
    configured: row !== undefined,
    issuer: row?.issuer ?? null,
    client_id: row?.client_id ?? null,
    client_secret: { configured: row !== undefined },
    require_sso: row?.require_sso ?? false,
    default_role: row?.default_role ?? 'viewer',
    groups_claim: row?.groups_claim ?? null,
    group_roles: row?.group_roles ?? {},
    email_domains: row?.email_domains ?? [],
    additional_scopes: row?.additional_scopes ?? [],
    redirect_uri: redirectUriOf(publicUrl),
    sign_in_url: signInUrlOf(publicUrl, slug),
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

export async function readSsoSettings(db: Queryable, org: { id: string; slug: string }, publicUrl: string): Promise<SsoSettings> {
  const { rows } = await db.query<SettingsRow>(SELECT, [org.id]);
  return view(rows[0], publicUrl, org.slug);
}

export async function readSsoStatus(db: Queryable, org: { id: string; slug: string }, publicUrl: string): Promise<SsoStatus> {
  const { rows } = await db.query<{ require_sso: boolean }>('SELECT require_sso FROM sso_settings WHERE org_id = $1', [org.id]);
  const row = rows[0];
  return { enabled: row !== undefined, require_sso: row?.require_sso ?? false, sign_in_url: row ? signInUrlOf(publicUrl, org.slug) : null };
}

/** The org's provider with its secret opened, or null when SSO is off. */
export async function ssoProviderOf(db: Queryable, orgId: string): Promise<SsoProviderConfig | null> {
  const { rows } = await db.query<SettingsRow & { client_secret: string }>(
    `SELECT org_id, issuer, client_id, client_secret, require_sso, default_role, groups_claim, group_roles, additional_scopes, updated_at
       FROM sso_settings WHERE org_id = $1`,
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    orgId: r.org_id,
    issuer: r.issuer,
    clientId: r.client_id,
    clientSecret: secretKeys().open(r.client_secret),
    requireSso: r.require_sso,
    defaultRole: r.default_role,
    groupsClaim: r.groups_claim,
    groupRoles: r.group_roles,
    additionalScopes: r.additional_scopes,
  };
}

const invalid = (path: string, message: string) => fieldError(path, 'invalid', message);

/**
 * Sets the org's provider, in one transaction with its audit entry. The secret is sealed
 * (security/sealed.ts) and never read back; the audit entry names whether it was replaced, not its value.
 * Refusals, before anything changes: the first configuration without its three essentials; an http
 * issuer the server does not allow; require_sso turned on by an admin who has never signed in with
 * this provider (a configuration nobody has seen work would lock every member out); a domain another
 * org has.
 */
export async function updateSsoSettings(
  db: Database,
  org: { id: string; slug: string },
  change: UpdateSsoSettingsBody,
  actor: AuditActor,
  config: Pick<Config, 'publicUrl' | 'GREENLIGHT_SSO_ALLOW_HTTP'>,
): Promise<SsoSettings> {
  if (change.issuer !== undefined && change.issuer.startsWith('http:') && !config.GREENLIGHT_SSO_ALLOW_HTTP) {
    throw invalid('issuer', 'must be an https URL: this server does not allow http issuers (GREENLIGHT_SSO_ALLOW_HTTP)');
  }
  return db.transaction(async (tx) => {
    // Locked: two changes at once apply one after the other, each to what the other left.
    const { rows } = await tx.query<SettingsRow>(`${SELECT} FOR UPDATE OF s`, [org.id]);
    const before = rows[0];
    if (!before) {
      const missing = (['issuer', 'client_id', 'client_secret'] as const).find((k) => change[k] === undefined);
      if (missing) throw invalid(missing, `SSO is not configured yet: give issuer, client_id and client_secret (${missing} is missing)`);
    }
    // A trailing slash is part of an issuer identifier only when the provider says so; kept exactly as given.
    const issuer = change.issuer ?? before!.issuer;
    const clientId = change.client_id ?? before!.client_id;
    const secret = change.client_secret === undefined ? null : secretKeys().seal(change.client_secret);
    const requireSso = change.require_sso ?? before?.require_sso ?? false;
    const providerChanged = before !== undefined && (issuer !== before.issuer || clientId !== before.client_id);
    if (requireSso && (!before?.require_sso || providerChanged)) {
      // Proof that this provider works: the admin asking has signed in to this org through it.
      const { rows: proof } = await tx.query('SELECT 1 FROM sso_identities WHERE org_id = $1 AND issuer = $2 AND user_id = $3', [
        org.id,
        issuer,
        actor.type === 'user' ? actor.id : null,
      ]);
      if (proof.length === 0 || providerChanged) {
        throw invalid(
          'require_sso',
          providerChanged
            ? 'a new provider cannot be required before anyone has signed in with it: save it with require_sso false, sign in with it, then require SSO'
            : 'sign in with this SSO once yourself before requiring it, so a configuration that does not work cannot lock everyone out',
        );
      }
    }
    const next = {
      default_role: change.default_role ?? before?.default_role ?? 'viewer',
      groups_claim: change.groups_claim === undefined ? (before?.groups_claim ?? null) : change.groups_claim,
      group_roles: change.group_roles ?? before?.group_roles ?? {},
      additional_scopes: change.additional_scopes ?? before?.additional_scopes ?? [],
    };
    const values = [org.id, issuer, clientId, secret, requireSso, next.default_role, next.groups_claim, JSON.stringify(next.group_roles), next.additional_scopes];
    if (before) {
      await tx.query(
        `UPDATE sso_settings SET issuer = $2, client_id = $3, client_secret = COALESCE($4, client_secret), require_sso = $5, default_role = $6,
                groups_claim = $7, group_roles = $8::jsonb, additional_scopes = $9, updated_at = now()
          WHERE org_id = $1`,
        values,
      );
    } else {
      // Two first configurations at once: the second one's insert waits for the first and then replaces it.
      await tx.query(
        `INSERT INTO sso_settings (org_id, issuer, client_id, client_secret, require_sso, default_role, groups_claim, group_roles, additional_scopes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
         ON CONFLICT (org_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id, client_secret = EXCLUDED.client_secret,
                require_sso = EXCLUDED.require_sso, default_role = EXCLUDED.default_role, groups_claim = EXCLUDED.groups_claim,
                group_roles = EXCLUDED.group_roles, additional_scopes = EXCLUDED.additional_scopes, updated_at = now()`,
        values,
      );
    }
    if (change.email_domains !== undefined) {
      const domains = [...new Set(change.email_domains)];
      const { rows: taken } = await tx.query<{ domain: string }>('SELECT domain FROM sso_domains WHERE domain = ANY($1::text[]) AND org_id <> $2', [domains, org.id]);
      if (taken.length > 0) throw new ApiError('IN_USE', `the email domain ${taken[0]!.domain} leads to another organization's SSO already`);
      await tx.query('DELETE FROM sso_domains WHERE org_id = $1', [org.id]);
      // Two orgs claiming one domain at once: the primary key lets one in; the other's insert fails and rolls back.
      if (domains.length > 0) {
        await tx.query('INSERT INTO sso_domains (domain, org_id) SELECT unnest($1::text[]), $2', [domains, org.id]).catch((err: unknown) => {
          if ((err as { code?: string }).code === '23505') throw new ApiError('IN_USE', 'one of these email domains leads to another organization\'s SSO already');
          throw err;
        });
      }
    }
    await recordAudit(tx, {
      orgId: org.id,
      actor,
      type: 'sso.configured',
      target: { type: 'org', id: org.id },
      details: {
        replaced_secret: secret !== null,
        from: before
          ? { issuer: before.issuer, client_id: before.client_id, require_sso: before.require_sso, default_role: before.default_role, email_domains: before.email_domains }
          : null,
        to: { issuer, client_id: clientId, require_sso: requireSso, default_role: next.default_role, groups_claim: next.groups_claim, group_roles: next.group_roles },
      },
    });
    return view((await tx.query<SettingsRow>(SELECT, [org.id])).rows[0], config.publicUrl, org.slug);
  });
}

/** Forgets the org's provider (nobody signs in with it any more; passwords work again), with its audit entry. */
export async function removeSsoSettings(db: Database, org: { id: string; slug: string }, actor: AuditActor, publicUrl: string): Promise<SsoSettings> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM sso_settings WHERE org_id = $1', [org.id]);
    if (rowCount > 0) {
      await tx.query('DELETE FROM sso_logins WHERE org_id = $1', [org.id]);
      await recordAudit(tx, { orgId: org.id, actor, type: 'sso.removed', target: { type: 'org', id: org.id } });
    }
    return view(undefined, publicUrl, org.slug);
  });
}
