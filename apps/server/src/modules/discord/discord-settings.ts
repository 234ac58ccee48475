/**
 * An org's Discord application (discord_settings) and its members' linked accounts (discord_links). The
 * bot token and the public key are sealed (security/sealed.ts) and never read back.
 */
import type { DiscordLink, DiscordLinkCode, DiscordSettings, UpdateDiscordSettingsBody } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { createChatLinkCode, readChatLink, redeemChatLinkCode, removeChatApp, unlinkChat, type LinkingChatSpec } from '../../channels/chat-links.ts';
import { fieldError } from '../../errors.ts';
import { callDiscord, type DiscordConnection } from '../../channels/discord/discord-client.ts';

const LINKS: LinkingChatSpec = { chat: 'discord', nameColumn: 'discord_username', notConnected: 'Discord is not connected for this organization: an admin connects a Discord application first' };

export const interactionsPath = (orgId: string): string => `/channels/discord/${orgId}/interactions`;

/** The application's one command: `/link code:<code>`, in the org's server and in a direct message with the bot. */
export const LINK_COMMAND = {
  name: 'link',
  type: 1,
  description: 'Link this Discord account to your Greenlight account',
  options: [{ type: 3, name: 'code', description: 'The code Greenlight showed you (Organization page)', required: true, min_length: 8, max_length: 64 }],
  contexts: [0, 1],
  integration_types: [0],
};

interface SettingsRow {
  application_id: string;
  channel_id: string | null;
  bot_username: string | null;
  updated_at: Date;
}

function view(orgId: string, row: SettingsRow | undefined, publicUrl: string): DiscordSettings {
  return {
    configured: row !== undefined,
    application_id: row?.application_id ?? null,
    bot_token: { configured: row !== undefined },
    public_key: { configured: row !== undefined },
    channel_id: row?.channel_id ?? null,
    bot_username: row?.bot_username ?? null,
    interactions_url: row ? `${publicUrl}${interactionsPath(orgId)}` : null,
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

const SELECT = 'SELECT application_id, channel_id, bot_username, updated_at FROM discord_settings WHERE org_id = $1';

export async function readDiscordSettings(db: Queryable, orgId: string, publicUrl: string): Promise<DiscordSettings> {
  const { rows } = await db.query<SettingsRow>(SELECT, [orgId]);
  return view(orgId, rows[0], publicUrl);
}


/**
 * Connects the application: Discord confirms the bot token is the application's (GET
 * /applications/@me), the `/link` command is registered (a bulk overwrite of the application's global
 * commands), then the token and public key are stored sealed, with the audit entry. A token Discord
 * refuses, or another application's, is a 400 and nothing is stored.
 */
export async function connectDiscord(db: Database, orgId: string, body: UpdateDiscordSettingsBody, actor: AuditActor, publicUrl: string, conn: DiscordConnection): Promise<DiscordSettings> {
  const me = await callDiscord<{ id: string; name?: string; bot?: { username?: string } }>(conn, body.bot_token, 'GET', '/applications/@me');
  if (me.error !== null || !me.value) throw fieldError('bot_token', 'refused', 'Discord did not accept the bot token', me.error ?? 'refused by Discord');
  if (me.value.id !== body.application_id) throw fieldError('application_id', 'refused', 'The bot token belongs to another Discord application', 'not the bot of application_id');
  const commands = await callDiscord(conn, body.bot_token, 'PUT', `/applications/${body.application_id}/commands`, [LINK_COMMAND]);
  if (commands.error !== null) throw fieldError('bot_token', 'refused', 'Discord refused to register the /link command', commands.error);
  const keys = secretKeys();
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<SettingsRow>(`${SELECT} FOR UPDATE`, [orgId]);
    const username = me.value!.bot?.username ?? me.value!.name ?? null;
    await tx.query(
      `INSERT INTO discord_settings (org_id, application_id, bot_token, public_key, channel_id, bot_username) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id) DO UPDATE SET application_id = EXCLUDED.application_id, bot_token = EXCLUDED.bot_token, public_key = EXCLUDED.public_key,
              channel_id = EXCLUDED.channel_id, bot_username = EXCLUDED.bot_username, updated_at = now()`,
      [orgId, body.application_id, keys.seal(body.bot_token), keys.seal(body.public_key.toLowerCase()), body.channel_id ?? null, username],
    );
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'discord.configured',
      target: { type: 'org', id: orgId },
      details: { replaced_secrets: ['bot_token', 'public_key'], application_id: body.application_id, channel_id: body.channel_id ?? null, replaced: rows.length > 0 },
    });
    return view(orgId, (await tx.query<SettingsRow>(SELECT, [orgId])).rows[0], publicUrl);
  });
}

/** Forgets the org's application (nothing more is sent; its interactions are refused), with its audit entry. */
export async function removeDiscord(db: Database, orgId: string, actor: AuditActor, publicUrl: string): Promise<DiscordSettings> {
  await removeChatApp(db, LINKS.chat, orgId, actor);
  return view(orgId, undefined, publicUrl);
}

export async function readDiscordLink(db: Queryable, orgId: string, userId: string): Promise<DiscordLink> {
  const link = await readChatLink(db, LINKS, orgId, userId);
  return { linked: link !== null, discord_username: link?.name ?? null, linked_at: link?.linkedAt ?? null };
}

/** A new one-time code for the member (only its SHA-256 is kept); 409 when the org has no application. */
export function createLinkCode(db: Queryable, orgId: string, userId: string): Promise<DiscordLinkCode> {
  return createChatLinkCode(db, LINKS, orgId, userId);
}

/** Removes the member's linked account, with its audit entry (none when there was none). */
export async function unlink(db: Database, orgId: string, userId: string): Promise<DiscordLink> {
  await unlinkChat(db, LINKS, orgId, userId);
  return { linked: false, discord_username: null, linked_at: null };
}

/** Spends a code given to `/link` and links that Discord account to the code's member (chat-links.ts). */
export async function redeemLinkCode(db: Database, orgId: string, code: string, account: { discordUserId: string; username: string | null }): Promise<{ userId: string } | null> {
  return redeemChatLinkCode(db, LINKS, orgId, code, { chatUserId: account.discordUserId, name: account.username });
}
