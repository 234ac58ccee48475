import { z } from './zod.ts';
import { Timestamp } from './common.ts';

/**
 * Telegram: an org's bot (made with @BotFather) sends each linked person asked to decide the request
 * with Approve / Reject buttons. Telegram posts updates to the org's webhook URL with the secret token
 * Greenlight generated; a Telegram account decides only once linked to a member.
 */
export const TELEGRAM_WEBHOOK_PATH = '/channels/telegram/:org/webhook';

export const TelegramSettings = z
  .object({
    configured: z.boolean().openapi({ description: 'Whether a bot token is set: without it nothing is sent to Telegram' }),
    bot_token: z.object({ configured: z.boolean() }).openapi({ description: 'The bot token is never shown, only whether it is set' }),
    bot_username: z.string().nullable().openapi({ description: "The bot's username as Telegram gave it (getMe), for the link people open" }),
    webhook_url: z.string().nullable().openapi({ description: 'Where Telegram posts the bot\'s updates (set with setWebhook when the bot is connected)' }),
    updated_at: Timestamp.nullable(),
  })
  .openapi('TelegramSettings');
export type TelegramSettings = z.infer<typeof TelegramSettings>;

export const UpdateTelegramSettingsBody = z
  .strictObject({
    bot_token: z
      .string()
      .regex(/^[0-9]{3,20}:[A-Za-z0-9_-]{30,80}$/, 'must be a Telegram bot token from @BotFather (123456:ABC…)')
      .openapi({ description: 'The bot token @BotFather gave. Stored encrypted, never shown again.' }),
  })
  .openapi('UpdateTelegramSettingsBody');
export type UpdateTelegramSettingsBody = z.infer<typeof UpdateTelegramSettingsBody>;

export const TelegramLinkCode = z
  .object({
    code: z.string().openapi({ description: 'Send `/start <code>` to the bot (or open `link`): single use' }),
    link: z.string().nullable().openapi({ description: 'https://t.me/<bot>?start=<code>, when the bot username is known' }),
    expires_at: Timestamp,
  })
  .openapi('TelegramLinkCode');
export type TelegramLinkCode = z.infer<typeof TelegramLinkCode>;

export const TelegramLink = z
  .object({
    linked: z.boolean(),
    telegram_username: z.string().nullable(),
    linked_at: Timestamp.nullable(),
  })
  .openapi('TelegramLink');
export type TelegramLink = z.infer<typeof TelegramLink>;
