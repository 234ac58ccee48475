/**
 * What an outbox row (the `deliveries` table) delivers to, as its CHECK constraint allows:
 * automations (`callback`, `subscription`) or people (the notification targets).
 */
export const DELIVERY_TARGETS = ['callback', 'subscription', 'notify', 'email', 'slack', 'slack_update'] as const;
export type DeliveryTarget = (typeof DELIVERY_TARGETS)[number];

/**
 * The targets that tell people: `notify` works out who is told and queues `email` rows
 * (delivery/notifications.ts); `slack` and `slack_update` post and rewrite Slack messages
 * (delivery/slack-notifications.ts).
 */
export const NOTIFICATION_TARGETS = ['notify', 'email', 'slack', 'slack_update'] as const satisfies readonly DeliveryTarget[];
export type NotificationTarget = (typeof NOTIFICATION_TARGETS)[number];
export const isNotificationTarget = (target: DeliveryTarget): target is NotificationTarget => (NOTIFICATION_TARGETS as readonly string[]).includes(target);
