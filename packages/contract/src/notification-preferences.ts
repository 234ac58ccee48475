import { z } from './zod.ts';
import { ReminderPolicy } from './reminders.ts';

/**
 * How a member wants to be told: by which channels, when not (quiet hours: what falls in them is
 * sent when they end, never dropped) and whether a daily digest of what waits for them comes at a
 * chosen hour. A member without preferences of their own gets the org's defaults.
 */
export const NOTIFICATION_CHANNELS = ['email', 'slack', 'both', 'digest_only'] as const;
export const NotificationChannels = z.enum(NOTIFICATION_CHANNELS).openapi('NotificationChannels', {
  description:
    '`both`: every channel that reaches the member (email, Slack, and Telegram, Discord or Microsoft Teams once they linked an account); ' +
    '`digest_only`: no message per request, only the daily digest (which then defaults to 09:00)',
});

/** The channels that tell people one by one: what a person may choose by kind of message. */
export const PERSON_CHANNELS = ['email', 'slack', 'telegram', 'discord', 'msteams', 'webpush'] as const;
export const PersonChannel = z.enum(PERSON_CHANNELS).openapi('PersonChannel');
export type PersonChannel = z.infer<typeof PersonChannel>;

/** What people are told: a request that asks them, its reminder, the daily digest, a receipt of what was done with what they approved, a request nobody waits for any more. */
export const NOTIFICATION_KINDS = ['approval_request', 'reminder', 'digest', 'execution_receipt', 'waiter_gone'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

const ChannelList = z
  .array(PersonChannel)
  .max(PERSON_CHANNELS.length)
  .refine((l) => new Set(l).size === l.length, { message: 'each channel at most once' });

export const NotificationChannelsByKind = z
  .strictObject(Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, ChannelList.optional()])) as Record<NotificationKind, z.ZodOptional<typeof ChannelList>>)
  .openapi('NotificationChannelsByKind', {
    description:
      'Per kind of message, the channels it goes by instead of what `channels` says (an empty list: none of that kind). ' +
      'A kind not named follows `channels`. A channel reaches a person only where it is set up (email on the server, the org\'s Slack app, a linked Telegram, Discord or Teams account).',
    example: { reminder: ['telegram'], execution_receipt: [] },
  });

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24 h)').openapi({ example: '22:00' });

export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'an IANA time zone such as Europe/Berlin or UTC' },
  )
  .openapi({ example: 'Europe/Berlin' });

export const QuietHours = z
  .strictObject({ start: ClockTime, end: ClockTime })
  .refine((q) => q.start !== q.end, { message: 'start and end must differ' })
  .openapi('QuietHours', { description: 'In `time_zone`; may span midnight (22:00 to 07:00)' });

const PreferenceFields = {
  channels: NotificationChannels,
  by_kind: NotificationChannelsByKind.default({}),
  time_zone: TimeZone,
  quiet_hours: QuietHours.nullable(),
  digest_hour: z.number().int().min(0).max(23).nullable().openapi({ description: 'Hour of the day (in `time_zone`) of the daily digest; null: no digest' }),
};
export const NotificationPreferences = z.strictObject(PreferenceFields).openapi('NotificationPreferences');
export type NotificationPreferences = z.infer<typeof NotificationPreferences>;

/** A change of preferences: the fields given replace those values, the others stay. */
const PreferenceChanges = {
  channels: PreferenceFields.channels.optional(),
  by_kind: NotificationChannelsByKind.optional(),
  time_zone: PreferenceFields.time_zone.optional(),
  quiet_hours: PreferenceFields.quiet_hours.optional(),
  digest_hour: PreferenceFields.digest_hour.optional(),
};

/**
 * What a member gets who chose nothing, in an org that set no defaults: every channel the server and
 * the org have turned on (email with SMTP configured, Slack direct messages with the org's Slack app
 * set to send them), so turning a channel on reaches people without each of them opting in.
 */
export const DEFAULT_NOTIFICATION_PREFERENCES: NotificationPreferences = { channels: 'both', by_kind: {}, time_zone: 'UTC', quiet_hours: null, digest_hour: null };
/** The digest hour of `digest_only` when none is chosen. */
export const DIGEST_ONLY_DEFAULT_HOUR = 9;

const nothingToChange = { message: 'nothing to change' };

export const UpdateNotificationPreferencesBody = z
  .strictObject({
    ...PreferenceChanges,
    use_org_defaults: z.literal(true).optional().openapi({ description: 'Forget your own preferences and follow the org defaults' }),
  })
  .refine((b) => Object.keys(b).length > 0, nothingToChange)
  .refine((b) => !b.use_org_defaults || Object.keys(b).length === 1, { message: 'use_org_defaults comes alone' })
  .openapi('UpdateNotificationPreferencesRequest');
export type UpdateNotificationPreferencesBody = z.infer<typeof UpdateNotificationPreferencesBody>;

export const MyNotificationPreferences = z
  .object({
    preferences: NotificationPreferences.openapi({ description: 'What applies to you now' }),
    own: z.boolean().openapi({ description: 'True when these are your own choices; false when they are the org defaults' }),
    org_defaults: NotificationPreferences,
  })
  .openapi('MyNotificationPreferences');
export type MyNotificationPreferences = z.infer<typeof MyNotificationPreferences>;

export const OrgNotificationDefaults = z
  .object({
    preferences: NotificationPreferences.openapi({ description: 'For members who chose none of their own' }),
    reminder_policy: ReminderPolicy.nullable().openapi({ description: 'For requests whose step has no policy of its own (requests without steps are only reminded)' }),
  })
  .openapi('OrgNotificationDefaults');
export type OrgNotificationDefaults = z.infer<typeof OrgNotificationDefaults>;

export const UpdateOrgNotificationDefaultsBody = z
  .strictObject({ preferences: z.strictObject(PreferenceChanges).optional(), reminder_policy: ReminderPolicy.nullable().optional() })
  .refine((b) => Object.keys(b).length > 0, nothingToChange)
  .openapi('UpdateOrgNotificationDefaultsRequest');
export type UpdateOrgNotificationDefaultsBody = z.infer<typeof UpdateOrgNotificationDefaultsBody>;
