/**
 * An org's Telegram bot (telegram_settings) and its members' linked accounts (telegram_links). The bot
 * token and the webhook's secret token are sealed (security/sealed.ts) and never read back.
 */
import { randomBytes } from 'node:crypto';
import type { TelegramLink, TelegramLinkCode, TelegramSettings } from '@greenlight/contract';
import type { Database, Queryable } from '../../storage/database.ts';
import { recordAudit, type AuditActor } from '../../core/audit.ts';
import { secretKeys } from '../../security/sealed.ts';
import { createChatLinkCode, readChatLink, redeemChatLinkCode, removeChatApp, unlinkChat, type LinkingChatSpec } from '../../channels/chat-links.ts';
import { fieldError } from '../../errors.ts';
import { callTelegram, telegramApi, type TelegramConnection } from '../../channels/telegram/telegram-client.ts';

const LINKS: LinkingChatSpec = { chat: 'telegram', nameColumn: 'telegram_username', notConnected: 'Telegram is not connected for this organization: an admin connects a bot first' };

export const webhookPath = (orgId: string): string => `/channels/telegram/${orgId}/webhook`;

interface SettingsRow {
  bot_username: string | null;
  updated_at: Date;
}

function view(orgId: string, row: SettingsRow | undefined, publicUrl: string): TelegramSettings {
  return {
    configured: row !== undefined,
    bot_token: { configured: row !== undefined },
    bot_username: row?.bot_username ?? null,
    webhook_url: row ? `${publicUrl}${webhookPath(orgId)}` : null,
    updated_at: row ? row.updated_at.toISOString() : null,
  };
}

const SELECT = 'SELECT bot_username, updated_at FROM telegram_settings WHERE org_id = $1';

export async function readTelegramSettings(db: Queryable, orgId: string, publicUrl: string): Promise<TelegramSettings> {
  const { rows } = await db.query<SettingsRow>(SELECT, [orgId]);
  return view(orgId, rows[0], publicUrl);
}

/**
 * Connects the bot: Telegram confirms the token (getMe) and is asked to post the bot's updates to
 * this org's webhook with a new secret token (setWebhook), then both are stored, with the audit entry.
 * A token Telegram refuses is a 400 and nothing is stored.
 */
export async function connectTelegram(db: Database, orgId: string, botToken: string, actor: AuditActor, publicUrl: string, conn: TelegramConnection): Promise<TelegramSettings> {
  const api = telegramApi(botToken, conn);
  const me = await callTelegram(() => api.getMe());
  if (me.error !== null || !me.value) {
    throw fieldError('bot_token', 'refused', 'Telegram did not accept the bot token', me.error ?? 'refused by Telegram');
  }
  const secret = randomBytes(32).toString('base64url');
  const hooked = await callTelegram(() => api.setWebhook(`${publicUrl}${webhookPath(orgId)}`, { secret_token: secret, allowed_updates: ['message', 'callback_query'], drop_pending_updates: true }));
  if (hooked.error !== null) {
    throw fieldError('bot_token', 'refused', 'Telegram refused to set the webhook', hooked.error);
  }
  const keys = secretKeys();
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<SettingsRow>(`${SELECT} FOR UPDATE`, [orgId]);
    await tx.query(
      `INSERT INTO telegram_settings (org_id, bot_token, webhook_secret, bot_username) VALUES ($1, $2, $3, $4)
       ON CONFLICT (org_id) DO UPDATE SET bot_token = EXCLUDED.bot_token, webhook_secret = EXCLUDED.webhook_secret,
              bot_username = EXCLUDED.bot_username, updated_at = now()`,
      [orgId, keys.seal(botToken), keys.seal(secret), me.value!.username ?? null],
    );
    await recordAudit(tx, {
      orgId,
      actor,
      type: 'telegram.configured',
      target: { type: 'org', id: orgId },
      details: { replaced_secrets: ['bot_token', 'webhook_secret'], bot_username: me.value!.username ?? null, replaced: rows.length > 0 },
    });
    return view(orgId, (await tx.query<SettingsRow>(SELECT, [orgId])).rows[0], publicUrl);
  });
}

/** Forgets the org's bot (nothing more is sent; its webhook's updates are refused), with its audit entry. */
export async function removeTelegram(db: Database, orgId: string, actor: AuditActor, publicUrl: string): Promise<TelegramSettings> {
  await removeChatApp(db, LINKS.chat, orgId, actor);
  return view(orgId, undefined, publicUrl);
}

export async function readTelegramLink(db: Queryable, orgId: string, userId: string): Promise<TelegramLink> {
  const link = await readChatLink(db, LINKS, orgId, userId);
  return { linked: link !== null, telegram_username: link?.name ?? null, linked_at: link?.linkedAt ?? null };
}

/** A new one-time code for the member (only its SHA-256 is kept), with the bot's start link; 409 when the org has no bot. */
export async function createLinkCode(db: Queryable, orgId: string, userId: string): Promise<TelegramLinkCode> {
  const { code, expires_at } = await createChatLinkCode(db, LINKS, orgId, userId);
  const { rows } = await db.query<{ bot_username: string | null }>('SELECT bot_username FROM telegram_settings WHERE org_id = $1', [orgId]);
  const bot = rows[0]?.bot_username;
  return { code, link: bot ? `https://t.me/${bot}?start=${code}` : null, expires_at };
}

/** Removes the member's linked account, with its audit entry (none when there was none). */
export async function unlink(db: Database, orgId: string, userId: string): Promise<TelegramLink> {
  await unlinkChat(db, LINKS, orgId, userId);
  return { linked: false, telegram_username: null, linked_at: null };
}

/** Spends a code sent as `/start <code>` from a private chat and links that Telegram account to the code's member (chat-links.ts). */
export async function redeemLinkCode(
  db: Database,
  orgId: string,
  code: string,
  account: { telegramUserId: number; chatId: number; username: string | null },
): Promise<{ userId: string } | null> {
  return redeemChatLinkCode(db, LINKS, orgId, code, { chatUserId: account.telegramUserId, name: account.username, more: { chat_id: account.chatId } });
}
