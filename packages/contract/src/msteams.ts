import { z } from './zod.ts';
import { Timestamp } from './common.ts';

/**
 * Microsoft Teams: an org's bot (an Azure Bot registration with the Teams channel) posts each request
 * as an Adaptive Card with Approve / Reject / Comment to a Teams channel and to each linked person asked.
 * Teams posts the bot's activities to the org's messaging endpoint with a Bot Framework token; a Teams
 * account decides only once linked to a member.
 */
export const MSTEAMS_MESSAGES_PATH = '/channels/msteams/:org/messages';

export const MsTeamsSettings = z
  .object({
    configured: z.boolean().openapi({ description: 'Whether a bot is connected: without it nothing is sent to Teams' }),
    app_id: z.string().nullable().openapi({ description: "The bot's Microsoft App ID (the audience of the tokens Teams sends)" }),
    app_password: z.object({ configured: z.boolean() }).openapi({ description: 'The client secret is never shown, only whether it is set' }),
    tenant_id: z.string().nullable().openapi({ description: 'The Microsoft Entra tenant of a single-tenant bot; null: multi-tenant' }),
    channel_id: z.string().nullable().openapi({ description: 'The Teams channel every request is posted to (its conversation id, 19:…@thread.tacv2); null: people only' }),
    messaging_endpoint: z.string().nullable().openapi({ description: "The URL to set as the Azure Bot's messaging endpoint" }),
    updated_at: Timestamp.nullable(),
  })
  .openapi('MsTeamsSettings');
export type MsTeamsSettings = z.infer<typeof MsTeamsSettings>;

const Guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');

export const UpdateMsTeamsSettingsBody = z
  .strictObject({
    app_id: Guid.openapi({ description: 'The Microsoft App ID of the Azure Bot registration' }),
    app_password: z.string().min(1).max(512).openapi({ description: "A client secret of the bot's app registration. Stored encrypted, never shown again." }),
    tenant_id: Guid.nullable().optional().openapi({ description: 'For a single-tenant bot, its tenant id; omitted or null: multi-tenant' }),
    channel_id: z
      .string()
      .regex(/^19:[A-Za-z0-9_@.:=-]{1,200}$/, 'must be a Teams channel conversation id (19:…@thread.tacv2)')
      .nullable()
      .optional()
      .openapi({ description: 'The Teams channel to post every request to (the bot must be installed in its team); omitted or null: people only' }),
  })
  .openapi('UpdateMsTeamsSettingsBody');
export type UpdateMsTeamsSettingsBody = z.infer<typeof UpdateMsTeamsSettingsBody>;

export const MsTeamsLinkCode = z
  .object({
    code: z.string().openapi({ description: 'Send `link <code>` to the bot in a personal chat in Teams: single use' }),
    expires_at: Timestamp,
  })
  .openapi('MsTeamsLinkCode');
export type MsTeamsLinkCode = z.infer<typeof MsTeamsLinkCode>;

export const MsTeamsLink = z
  .object({
    linked: z.boolean(),
    msteams_name: z.string().nullable().openapi({ description: 'The Teams display name of the linked account' }),
    linked_at: Timestamp.nullable(),
  })
  .openapi('MsTeamsLink');
export type MsTeamsLink = z.infer<typeof MsTeamsLink>;
