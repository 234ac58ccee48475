/**
 * An org's Teams bot (msteams_settings) and its members' linked accounts (msteams_links). The bot's
 * client secret is sealed (security/sealed.ts) and never read back.
 */
import { randomBytes } from 'node:crypto';
import type { MsTeamsLink, MsTeamsLinkCode, MsTeamsSettings, UpdateMsTeamsSettingsBody } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { ApiError } from '../../errors.ts';
import { connectorToken, type MsTeamsConnection } from '../../channels/msteams/msteams-client.ts';

/** How long a link code may be used. */
export const LINK_CODE_TTL_MS = 10 * 60_000;

export const messagesPath = (orgId: string): string => `/channels/msteams/${orgId}/messages`;

interface SettingsRow {
  app_id: string;
  tenant_id: string | null;
  channel_id: string | null;
  updated_at: Date;
}

function view(orgId: string, row: SettingsRow | undefined, publicUrl: string): MsTeamsSettings {
  return {
    configured: row !== undefined,
    app_id: row?.app_id ?? null,
    app_password: { configured: row !== undefined },
    tenant_id: row?.tenant_id ?? null,
    channel_id: row?.channel_id ?? null,
    messaging_endpoint: row ? `${publicUrl}${messagesPath(orgId)}` : null,
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

const SELECT = 'SELECT app_id, tenant_id, channel_id, updated_at FROM msteams_settings WHERE org_id = $1';

export async function readMsTeamsSettings(db: Queryable, orgId: string, publicUrl: string): Promise<MsTeamsSettings> {
  const { rows } = await db.query<SettingsRow>(SELECT, [orgId]);
  return view(orgId, rows[0], publicUrl);
}

/**
 * Connects the bot: Microsoft Entra must issue a Connector API token for the app id and secret
 * (client credentials), then both are stored, with the audit entry. Credentials Entra refuses are a
 * 400 and nothing is stored.
 */
export async function connectMsTeams(db: Database, orgId: string, body: UpdateMsTeamsSettingsBody, actor: AuditActor, publicUrl: string, conn: MsTeamsConnection): Promise<MsTeamsSettings> {
  const tenantId = body.tenant_id ?? null;
  const token = await connectorToken({ appId: body.app_id, appPassword: body.app_password, tenantId }, conn);
  if (token.error !== null) {
    throw new ApiError('VALIDATION_ERROR', 'Microsoft did not issue a Bot Framework token for this app id and secret', {
      location: 'body',
      issues: [{ path: ['app_password'], code: 'refused', message: token.error }],
    });
  }
  const keys = secretKeys();
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<SettingsRow>(`${SELECT} FOR UPDATE`, [orgId]);
    const replaced = rows[0];
    // Another app's Connector API is not assumed to be this one's: learned again from its first activity.
    const sameApp = replaced?.app_id === body.app_id;
    await tx.query(
      `INSERT INTO msteams_settings (org_id, app_id, app_password, tenant_id, channel_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (org_id) DO UPDATE SET app_id = EXCLUDED.app_id, app_password = EXCLUDED.app_password, tenant_id = EXCLUDED.tenant_id,
              channel_id = EXCLUDED.channel_id, service_url = CASE WHEN $6 THEN msteams_settings.service_url END, updated_at = now()`,
      [orgId, body.app_id, keys.seal(body.app_password), tenantId, body.channel_id ?? null, sameApp],
    );
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'msteams.configured',
      target: { type: 'org', id: orgId },
      details: { replaced_secrets: ['app_password'], app_id: body.app_id, tenant_id: tenantId, channel_id: body.channel_id ?? null, replaced: replaced !== undefined },
    });
    return view(orgId, (await tx.query<SettingsRow>(SELECT, [orgId])).rows[0], publicUrl);
  });
}

/** Forgets the org's bot (nothing more is sent; its activities are refused), with its audit entry. */
export async function removeMsTeams(db: Database, orgId: string, actor: AuditActor, publicUrl: string): Promise<MsTeamsSettings> {
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM msteams_settings WHERE org_id = $1', [orgId]);
    if (rowCount > 0) await recordAudit(tx, { orgId, actor, type: 'msteams.removed', target: { type: 'org', id: orgId } });
    return view(orgId, undefined, publicUrl);
  });
}

export async function readMsTeamsLink(db: Queryable, orgId: string, userId: string): Promise<MsTeamsLink> {
  const { rows } = await db.query<{ msteams_name: string | null; created_at: Date }>('SELECT msteams_name, created_at FROM msteams_links WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
  const r = rows[0];
  return { linked: r !== undefined, msteams_name: r?.msteams_name ?? null, linked_at: r ? r.created_at.toISOString() : null };
}

/** A new one-time code for the member (only its SHA-256 is kept); 409 when the org has no bot. */
export async function createLinkCode(db: Queryable, orgId: string, userId: string): Promise<MsTeamsLinkCode> {
  const { rows } = await db.query('SELECT 1 FROM msteams_settings WHERE org_id = $1', [orgId]);
  if (!rows[0]) throw new ApiError('INVALID_STATUS', 'Microsoft Teams is not connected for this organization: an admin connects a bot first');
  const code = randomBytes(16).toString('base64url');
  const expiresAt = new Date(Date.now() + LINK_CODE_TTL_MS);
  await db.query('INSERT INTO msteams_link_codes (code_hash, org_id, user_id, expires_at) VALUES ($1, $2, $3, $4)', [sha256Hex(code), orgId, userId, expiresAt]);
  return { code, expires_at: expiresAt.toISOString() };
}

/** Removes the member's linked account, with its audit entry (none when there was none). */
export async function unlink(db: Database, orgId: string, userId: string): Promise<MsTeamsLink> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ msteams_name: string | null }>('DELETE FROM msteams_links WHERE org_id = $1 AND user_id = $2 RETURNING msteams_name', [orgId, userId]);
    if (rows[0]) {
      await recordAudit(tx, { orgId, actor: { type: 'user', id: userId }, type: 'msteams.unlinked', target: { type: 'user', id: userId }, details: { msteams_name: rows[0].msteams_name } });
    }
    return { linked: false, msteams_name: null, linked_at: null };
  });
}

/** The Teams account a verified activity came from, and the personal chat it was sent in. */
export interface MsTeamsAccount {
  msteamsUserId: string;
  aadObjectId: string | null;
  name: string | null;
  conversationId: string;
  serviceUrl: string;
}

/**
 * Spends a code sent as `link <code>` in a personal chat and links that Teams account to the code's
 * member (replacing their earlier account, and taking this account from anyone it was linked to).
 * Null: no such code, used, expired, or its person is no longer a member.
 */
export async function redeemLinkCode(db: Database, orgId: string, code: string, account: MsTeamsAccount): Promise<{ userId: string } | null> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ user_id: string }>(
      'UPDATE msteams_link_codes SET used_at = now() WHERE code_hash = $1 AND org_id = $2 AND used_at IS NULL AND expires_at > now() RETURNING user_id',
      [sha256Hex(code), orgId],
    );
    const userId = rows[0]?.user_id;
    if (!userId) return null;
    const { rows: member } = await tx.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
    if (member.length === 0) return null;
    await tx.query('DELETE FROM msteams_links WHERE org_id = $1 AND (user_id = $2 OR msteams_user_id = $3)', [orgId, userId, account.msteamsUserId]);
    await tx.query(
      'INSERT INTO msteams_links (org_id, user_id, msteams_user_id, aad_object_id, conversation_id, service_url, msteams_name) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [orgId, userId, account.msteamsUserId, account.aadObjectId, account.conversationId, account.serviceUrl, account.name],
    );
    // By the person themselves: the code they created while signed in, sent from the account.
    await recordAudit(tx, { orgId, actor: { type: 'user', id: userId }, type: 'msteams.linked', target: { type: 'user', id: userId }, details: { msteams_name: account.name } });
    return { userId };
  });
}
