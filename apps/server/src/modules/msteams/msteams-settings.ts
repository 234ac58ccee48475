/**
 * An org's Teams bot (msteams_settings) and its members' linked accounts (msteams_links). The bot's
 * client secret is sealed (security/sealed.ts) and never read back.
 */
import type { MsTeamsLink, MsTeamsLinkCode, MsTeamsSettings, UpdateMsTeamsSettingsBody } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { createChatLinkCode, readChatLink, redeemChatLinkCode, removeChatApp, unlinkChat, type LinkingChatSpec } from '../../channels/chat-links.ts';
import { fieldError } from '../../errors.ts';
import { connectorToken, type MsTeamsConnection } from '../../channels/msteams/msteams-client.ts';

const LINKS: LinkingChatSpec = { chat: 'msteams', nameColumn: 'msteams_name', notConnected: 'Microsoft Teams is not connected for this organization: an admin connects a bot first' };

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
    throw fieldError('app_password', 'refused', 'Microsoft did not issue a Bot Framework token for this app id and secret', token.error);
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
  await removeChatApp(db, LINKS.chat, orgId, actor);
  return view(orgId, undefined, publicUrl);
}

export async function readMsTeamsLink(db: Queryable, orgId: string, userId: string): Promise<MsTeamsLink> {
  const link = await readChatLink(db, LINKS, orgId, userId);
  return { linked: link !== null, msteams_name: link?.name ?? null, linked_at: link?.linkedAt ?? null };
}

/** A new one-time code for the member (only its SHA-256 is kept); 409 when the org has no bot. */
export function createLinkCode(db: Queryable, orgId: string, userId: string): Promise<MsTeamsLinkCode> {
  return createChatLinkCode(db, LINKS, orgId, userId);
}

/** Removes the member's linked account, with its audit entry (none when there was none). */
export async function unlink(db: Database, orgId: string, userId: string): Promise<MsTeamsLink> {
  await unlinkChat(db, LINKS, orgId, userId);
  return { linked: false, msteams_name: null, linked_at: null };
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
  return redeemChatLinkCode(db, LINKS, orgId, code, {
    chatUserId: account.msteamsUserId,
    name: account.name,
    more: { aad_object_id: account.aadObjectId, conversation_id: account.conversationId, service_url: account.serviceUrl },
  });
}
