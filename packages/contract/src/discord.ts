import { z } from './zod.ts';
import { Timestamp } from './common.ts';

/**
 * Discord: an org's Discord application (made in Discord's developer portal, its bot installed in the
 * org's server) posts each request to a configured channel and sends it by direct message to each linked
 * person asked, with Approve / Reject buttons. Discord posts interactions to the org's Interactions
 * Endpoint URL, signed with the application's Ed25519 key; a Discord account decides only once linked to
 * a member (the app's `/link` command with a one-time code).
 */
export const DISCORD_INTERACTIONS_PATH = '/channels/discord/:org/interactions';

const Snowflake = z.string().regex(/^[0-9]{15,21}$/, 'must be a Discord id (a snowflake: 15 to 21 digits)');

export const DiscordSettings = z
  .object({
    configured: z.boolean().openapi({ description: 'Whether an application is connected: without it nothing is sent to Discord' }),
    application_id: z.string().nullable(),
    bot_token: z.object({ configured: z.boolean() }).openapi({ description: 'The bot token is never shown, only whether it is set' }),
    public_key: z.object({ configured: z.boolean() }).openapi({ description: 'The public key interactions are verified with; kept sealed, not shown' }),
    channel_id: z.string().nullable().openapi({ description: 'The Discord channel requests are posted to (besides direct messages), if any' }),
    bot_username: z.string().nullable().openapi({ description: "The bot's username as Discord gave it" }),
    interactions_url: z.string().nullable().openapi({ description: "What to enter as the application's Interactions Endpoint URL in Discord's developer portal" }),
    updated_at: Timestamp.nullable(),
  })
  .openapi('DiscordSettings');
export type DiscordSettings = z.infer<typeof DiscordSettings>;

export const UpdateDiscordSettingsBody = z
  .strictObject({
    application_id: Snowflake.openapi({ description: "The application's id (General Information in the developer portal)" }),
    public_key: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the application\'s public key: 64 hexadecimal characters')
      .openapi({ description: "The application's public key (General Information): interactions are verified against it" }),
    bot_token: z
      .string()
      .min(50)
      .max(100)
      .regex(/^[A-Za-z0-9_.-]+$/, 'must be a Discord bot token (the Bot page of the developer portal)')
      .openapi({ description: 'The bot token. Stored encrypted, never shown again.' }),
    channel_id: Snowflake.nullable().optional().openapi({ description: 'A channel the bot may write to, where every request is posted; none: direct messages only' }),
  })
  .openapi('UpdateDiscordSettingsBody');
export type UpdateDiscordSettingsBody = z.infer<typeof UpdateDiscordSettingsBody>;

export const DiscordLinkCode = z
  .object({
    code: z.string().openapi({ description: 'Run the app\'s `/link` command with this code in Discord: single use' }),
    expires_at: Timestamp,
  })
  .openapi('DiscordLinkCode');
export type DiscordLinkCode = z.infer<typeof DiscordLinkCode>;

export const DiscordLink = z
  .object({
    linked: z.boolean(),
    discord_username: z.string().nullable(),
    linked_at: Timestamp.nullable(),
  })
  .openapi('DiscordLink');
export type DiscordLink = z.infer<typeof DiscordLink>;
