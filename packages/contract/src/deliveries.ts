import { z } from './zod.ts';
import { PageQuery, PageSizeQuery, Pagination, Timestamp } from './common.ts';
import { EventType } from './events.ts';

/**
 * The outbox as the API shows it: one delivery per (event, target), its id being the `webhook-id`
 * the receiver sees, with every attempt made.
 */
export const DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'failed', 'gone'] as const;
export const DeliveryStatus = z.enum(DELIVERY_STATUSES).openapi('DeliveryStatus', {
  description:
    '`pending`: waiting for its next attempt; `delivering`: an attempt is under way; `delivered`: a 2xx came back; ' +
    '`failed`: retries exhausted (or the subscription was disabled); `gone`: the receiver answered 410, or the subscription was deleted, ' +
    'or (an email, a Slack message) its request was decided before it was sent, or (a Slack direct message) the person is not in the Slack workspace',
});

export const DeliveryAttempt = z
  .object({
    attempt: z.number().int().min(1),
    started_at: Timestamp,
    duration_ms: z.number().int().min(0),
    status_code: z.number().int().nullable().openapi({ description: 'null when no response came (refused target, network error, timeout)' }),
    error: z.string().nullable(),
  })
  .openapi('DeliveryAttempt');

export const Delivery = z
  .object({
    id: z.uuid().openapi({ description: 'The `webhook-id` header of every attempt' }),
    event_id: z.string(),
    event_type: EventType,
    approval_id: z.uuid().nullable(),
    target: z.enum(['callback', 'subscription', 'email', 'slack', 'slack_update', 'telegram', 'telegram_update', 'discord', 'discord_update', 'msteams', 'msteams_update', 'webpush', 'github', 'engine']).openapi({
      description:
        '`callback`: the request\'s callback_url; `subscription`: a webhook subscription; `email`: a notification to a member ' +
        '(`url` is `mailto:` + the address, and each attempt\'s `status_code` is the SMTP server\'s reply code); ' +
        '`slack`: a request posted to a Slack channel (`url` is `slack:channel:` + the channel) or to a member (`slack:dm:` + the address); ' +
        '`slack_update`: a posted message rewritten with the request\'s outcome (`url` is `slack-message:` + its id); ' +
        '`telegram`: a request sent to a linked member by the Telegram bot (`url` is `telegram:dm:` + the address); `telegram_update`: such a message edited with the outcome; ' +
        '`discord`: a request posted by the Discord application to its channel (`url` is `discord:channel:` + the channel) or to a linked member (`discord:dm:` + the address); `discord_update`: such a message edited with the outcome; ' +
        '`msteams`: a request\'s card sent by the Teams bot to a channel (`url` is `msteams:channel:` + its id) or to a linked member (`msteams:dm:` + the address); `msteams_update`: such a card updated with the outcome; ' +
        '`webpush`: a push notification to one device of a member (`url` is `webpush:` + the address and the push service\'s origin); ' +
        '`github`: the decision of a deployment protection rule sent to GitHub as the org\'s GitHub App (`url` is the run\'s deployment_protection_rule endpoint); ' +
        '`engine`: a durable engine resumed with the request\'s outcome (`url` is `engine:` + the engine + `:` + the request id)',
    }),
    subscription_id: z.uuid().nullable(),
    url: z.string().nullable().openapi({
      description: "Where it went. null for a callback the caller may not see: only the principal that created the request and admins see a request's `callback_url`",
    }),
    status: DeliveryStatus,
    attempt_count: z.number().int().min(0),
    next_attempt_at: Timestamp.nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: Timestamp,
    delivered_at: Timestamp.nullable(),
    attempts: z.array(DeliveryAttempt).openapi({ description: 'Every attempt, oldest first' }),
  })
  .openapi('Delivery');
export type Delivery = z.infer<typeof Delivery>;

export const ListDeliveriesQuery = z.object({
  page: PageQuery,
  page_size: PageSizeQuery,
  approval_id: z.uuid().optional(),
  subscription_id: z.uuid().optional(),
  status: DeliveryStatus.optional(),
});

export const DeliveryList = z.object({ data: z.array(Delivery), pagination: Pagination }).openapi('DeliveryList');
