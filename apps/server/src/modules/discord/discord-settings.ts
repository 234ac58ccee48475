/**
 * An org's Discord application (discord_settings) and its members' linked accounts (discord_links). The
 * bot token and the public key are sealed (security/sealed.ts) and never read back.
 */
import { randomBytes } from 'node:crypto';
import type { DiscordLink, DiscordLinkCode, DiscordSettings, UpdateDiscordSettingsBody } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { sha256Hex } from '../../security/tokens.ts';
import { ApiError } from '../../errors.ts';
import { callDiscord, type DiscordConnection } from '../../channels/discord/discord-client.ts';

/** How long a link code may be used. */
export const LINK_CODE_TTL_MS = 10 * 60_000;

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

const refused = (message: string, detail: string, path = 'bot_token') =>
  new ApiError('VALIDATION_ERROR', message, { location: 'body', issues: [{ path: [path], code: 'refused', message: detail }] });

/**
 * Connects the application: Discord confirms the bot token is the application's (GET
 * /applications/@me), the `/link` command is registered (a bulk overwrite of the application's global
 * commands), then the token and public key are stored sealed, with the audit entry. A token Discord
 * refuses, or another application's, is a 400 and nothing is stored.
 */
export async function connectDiscord(db: Database, orgId: string, body: UpdateDiscordSettingsBody, actor: AuditActor, publicUrl: string, conn: DiscordConnection): Promise<DiscordSettings> {
  const me = await callDiscord<{ id: string; name?: string; bot?: { username?: string } }>(conn, body.bot_token, 'GET', '/applications/@me');
  if (me.error !== null || !me.value) throw refused('Discord did not accept the bot token', me.error ?? 'refused by Discord');
  if (me.value.id !== body.application_id) throw refused('The bot token belongs to another Discord application', 'not the bot of application_id', 'application_id');
  const commands = await callDiscord(conn, body.bot_token, 'PUT', `/applications/${body.application_id}/commands`, [LINK_COMMAND]);
  if (commands.error !== null) throw refused('Discord refused to register the /link command', commands.error);
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
  return db.transaction(async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM discord_settings WHERE org_id = $1', [orgId]);
    if (rowCount > 0) await recordAudit(tx, { orgId, actor, type: 'discord.removed', target: { type: 'org', id: orgId } });
    return view(orgId, undefined, publicUrl);
  });
}

export async function readDiscordLink(db: Queryable, orgId: string, userId: string): Promise<DiscordLink> {
  const { rows } = await db.query<{ discord_username: string | null; created_at: Date }>('SELECT discord_username, created_at FROM discord_links WHERE org_id = $1 AND user_id = $2', [
    orgId,
    userId,
  ]);
  const r = rows[0];
  return { linked: r !== undefined, discord_username: r?.discord_username ?? null, linked_at: r ? r.created_at.toISOString() : null };
}

/** A new one-time code for the member (only its SHA-256 is kept); 409 when the org has no application. */
export async function createLinkCode(db: Queryable, orgId: string, userId: string): Promise<DiscordLinkCode> {
  const { rows } = await db.query('SELECT 1 FROM discord_settings WHERE org_id = $1', [orgId]);
  if (!rows[0]) throw new ApiError('INVALID_STATUS', 'Discord is not connected for this organization: an admin connects a Discord application first');
  const code = randomBytes(16).toString('base64url');
  const expiresAt = new Date(Date.now() + LINK_CODE_TTL_MS);
  await db.query('INSERT INTO discord_link_codes (code_hash, org_id, user_id, expires_at) VALUES ($1, $2, $3, $4)', [sha256Hex(code), orgId, userId, expiresAt]);
  return { code, expires_at: expiresAt.toISOString() };
}

/** Removes the member's linked account, with its audit entry (none when there was none). */
export async function unlink(db: Database, orgId: string, userId: string): Promise<DiscordLink> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ discord_username: string | null }>('DELETE FROM discord_links WHERE org_id = $1 AND user_id = $2 RETURNING discord_username', [orgId, userId]);
    if (rows[0]) {
      await recordAudit(tx, { orgId, actor: { type: 'user', id: userId }, type: 'discord.unlinked', target: { type: 'user', id: userId }, details: { discord_username: rows[0].discord_username } });
    }
    return { linked: false, discord_username: null, linked_at: null };
  });
}

/**
 * Spends a code given to `/link` and links that Discord account to the code's member (replacing their
 * earlier account, and taking this account from anyone it was linked to). Null: no such code, used,
 * expired, or its person is no longer a member.
 */
export async function redeemLinkCode(db: Database, orgId: string, code: string, account: { discordUserId: string; username: string | null }): Promise<{ userId: string } | null> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ user_id: string }>(
      `UPDATE discord_link_codes SET used_at = now() WHERE code_hash = $1 AND org_id = $2 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
      [sha256Hex(code), orgId],
    );
    const userId = rows[0]?.user_id;
    if (!userId) return null;
    const { rows: member } = await tx.query('SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId]);
    if (member.length === 0) return null;
    await tx.query('DELETE FROM discord_links WHERE org_id = $1 AND (user_id = $2 OR discord_user_id = $3)', [orgId, userId, account.discordUserId]);
    await tx.query('INSERT INTO discord_links (org_id, user_id, discord_user_id, discord_username) VALUES ($1, $2, $3, $4)', [orgId, userId, account.discordUserId, account.username]);
    // By the person themselves: the code they created while signed in, given from the account.
    await recordAudit(tx, { orgId, actor: { type: 'user', id: userId }, type: 'discord.linked', target: { type: 'user', id: userId }, details: { discord_username: account.username } });
    return { userId };
  });
}
