import { z } from './zod.ts';
import { Timestamp, Uuid } from './common.ts';

/**
 * Web Push: the dashboard, installed as an app on a phone or a desktop, subscribes the device with the
 * server's VAPID public key (RFC 8292); Greenlight then sends each request the person is asked to
 * decide to every device they subscribed, encrypted for the device (RFC 8291), with Approve / Reject
 * actions where the platform shows them.
 */
/** base64url of `bytes` bytes, with or without its padding (browsers send it without). */
const base64url = (bytes: number) => {
  const chars = Math.ceil((bytes * 4) / 3);
  const pad = (4 - (chars % 4)) % 4;
  return z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}={0,${pad}}$`), `${bytes} bytes, base64url-encoded`);
};

export const WebPushSubscription = z
  .object({
    id: Uuid,
    device: z.string().openapi({ description: 'What the device called itself when it subscribed (its browser and system), to tell devices apart' }),
    push_service: z.string().openapi({ description: "The push service's origin (the browser's vendor runs it): the endpoint itself is not shown", example: 'https://fcm.googleapis.com' }),
    created_at: Timestamp,
    last_sent_at: Timestamp.nullable().openapi({ description: 'When a notification was last accepted by the push service for this device' }),
  })
  .openapi('WebPushSubscription');
export type WebPushSubscription = z.infer<typeof WebPushSubscription>;

export const MyWebPush = z
  .object({
    public_key: z.string().openapi({ description: "The server's VAPID public key (an uncompressed P-256 point, base64url): the `applicationServerKey` to subscribe with" }),
    subscriptions: z.array(WebPushSubscription).openapi({ description: 'Your devices in this organization, newest first' }),
  })
  .openapi('MyWebPush');
export type MyWebPush = z.infer<typeof MyWebPush>;

export const CreateWebPushSubscriptionBody = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .openapi({ description: "PushSubscription.endpoint: the push service's URL for this device. It must resolve to a public address (the webhook guard)." }),
    expirationTime: z.number().nullable().optional().openapi({ description: 'As PushSubscription.toJSON() gives it; not used' }),
    keys: z.strictObject({
      p256dh: base64url(65).openapi({ description: "The device's P-256 public key (RFC 8291 ua_public)" }),
      auth: base64url(16).openapi({ description: 'The 16-byte authentication secret (RFC 8291 auth_secret)' }),
    }),
    device: z.string().trim().min(1).max(100).optional().openapi({ description: 'A name for the device (the dashboard sends its browser and system)', example: 'Chrome on Android' }),
  })
  .openapi('CreateWebPushSubscriptionBody');
export type CreateWebPushSubscriptionBody = z.infer<typeof CreateWebPushSubscriptionBody>;
