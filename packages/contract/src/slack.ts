import { z } from './zod.ts';
import { Timestamp } from './common.ts';

/**
 * An org's Slack app, as admins see it: never its secrets, only whether they are set. The bot token
 * posts and updates messages; the signing secret proves that an interactivity request (a button, a
 * modal) comes from Slack.
 */
export const SLACK_INTERACTIVITY_PATH = '/slack/interactivity';

/**
 * A channel as chat.postMessage takes it: an id (C0123ABCD; G and D for private channels and direct
 * messages) or a name as Slack allows one (lowercase letters, digits, `-`, `_`, `.`; at most 80),
 * with or without its `#`.
 */
export const SlackChannel = z
  .string()
  .min(1)
  .max(81)
  .regex(/^(#?[a-z0-9_][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$/, 'must be a channel id (C0123ABCD) or a channel name (lowercase letters, digits, - _ .; with or without #)')
  .openapi({ description: 'A channel id (C0123ABCD) or name (#approvals); the app must be a member of it', example: '#approvals' });

export const SlackSettings = z
  .object({
    configured: z.boolean().openapi({ description: 'Whether a bot token and a signing secret are set: without them nothing is posted to Slack' }),
    bot_token: z.object({ configured: z.boolean() }).openapi({ description: 'The bot token (xoxb-…) is never shown, only whether it is set' }),
    signing_secret: z.object({ configured: z.boolean() }).openapi({ description: 'The signing secret is never shown, only whether it is set' }),
    default_channel: z.string().nullable().openapi({ description: 'Where requests are posted; null: to no channel (direct messages only, if on)' }),
    dm_approvers: z.boolean().openapi({ description: 'Whether the people asked to decide also get a direct message (found by their email in Slack)' }),
    interactivity_url: z.string().openapi({ description: "The Request URL to enter under Interactivity & Shortcuts in the Slack app's settings" }),
    updated_at: Timestamp.nullable(),
  })
  .openapi('SlackSettings');
export type SlackSettings = z.infer<typeof SlackSettings>;

export const UpdateSlackSettingsBody = z
  .object({
    bot_token: z
      .string()
      .regex(/^xox[bp]-[A-Za-z0-9-]{10,250}$/, 'must be a Slack bot token (xoxb-…)')
      .optional()
      .openapi({ description: 'The bot token (xoxb-…), with the scopes chat:write, users:read, users:read.email. Left out: the stored one is kept.' }),
    signing_secret: z
      .string()
      .regex(/^[A-Za-z0-9]{16,128}$/, "must be the app's signing secret (letters and digits)")
      .optional()
      .openapi({ description: "The app's signing secret (Basic Information → App Credentials). Left out: the stored one is kept." }),
    default_channel: SlackChannel.nullable().optional(),
    dm_approvers: z.boolean().optional(),
  })
  .strict()
  .openapi('UpdateSlackSettingsBody', {
    description: 'The first configuration needs both secrets; later changes may leave them out. A secret is replaced, never read back.',
  });
export type UpdateSlackSettingsBody = z.infer<typeof UpdateSlackSettingsBody>;
