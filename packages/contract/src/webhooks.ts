import { z } from './zod.ts';
import { Principal, Timestamp } from './common.ts';
import { Approval, ApprovalStatus, CallbackUrl } from './approvals.ts';
import { EVENT_TYPES } from './event-types.ts';
import { EventType } from './events.ts';

/**
 * Outgoing webhooks: the request's `callback_url`, and org-level subscriptions (the REST hooks that
 * the Zapier, n8n and Make triggers create). Both are sent in the Standard Webhooks format
 * (https://www.standardwebhooks.com):
 *
 *   POST <url>
 *   content-type: application/json
 *   webhook-id: <delivery id: the same on every retry of one event to one target; dedupe on it>
 *   webhook-timestamp: <unix seconds of this attempt>
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")>
 *   greenlight-delivery-attempt: <1, 2, …>
 *
 * The key is the base64 part of the `whsec_…` secret. During the 24 h after a rotation the header
 * carries two space-separated signatures (new secret first); either one verifying is enough.
 * Receivers should reject timestamps more than 5 minutes off and answer 2xx quickly.
 *
 * Delivery rules: 2xx = delivered; 410 Gone = the subscription is deleted (a callback is marked
 * `gone`) and nothing more is sent; 3xx is a failure (redirects are never followed); anything else,
 * a timeout (15 s) or a network error is retried with backoff and jitter (default schedule: now,
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; `Retry-After` is honoured up to 24 h).
 * After the last failure a subscription is disabled and a `delivery.failed` event is recorded.
 */

/**
 * Events sent to a request's `callback_url` (the server's fan-out sends from this list): its final
 * outcome, and the revocation of its approval. A revocation is sent because the callback is the one
 * place a waiter that was told `approved` learns it must not act after all: a receiver that resumed on
 * the approval and has not yet reported `started` (the report closes the window) reads
 * `approval.revoked` as `rejected` (`outcomeOf` in @greenlight/triggers); one that has already acted
 * ignores it; a waiter that is gone (an n8n execution that already resumed) answers it as it answers any
 * late call (410 Gone ends the delivery at once). Subscriptions choose from every event type.
 */
export const CALLBACK_EVENT_TYPES = ['approval.approved', 'approval.rejected', 'approval.cancelled', 'approval.expired', 'approval.revoked'] as const;

export const WEBHOOK_LIMITS = {
  /** Subscriptions per organization (OWASP API4: unrestricted resource consumption). */
  subscriptionsPerOrg: 50,
  descriptionMax: 500,
} as const;

export const WebhookUrl = CallbackUrl.openapi({
  description:
    'Where events are POSTed: http or https, resolving only to public addresses (internal networks are refused unless the server allows them)',
  example: 'https://hooks.zapier.com/hooks/standard/123/abc',
});

export const WebhookSecret = z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/).openapi({
  description: 'Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes',
  example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
});

export const CreateWebhookBody = z
  .strictObject({
    url: WebhookUrl,
    events: z
      .array(EventType)
      .min(1)
      .max(EVENT_TYPES.length)
      .transform((list) => [...new Set(list)])
      .openapi({ description: 'Event types to receive', example: ['approval.approved', 'approval.rejected'] }),
    description: z.string().trim().max(WEBHOOK_LIMITS.descriptionMax).optional().openapi({ example: 'Zapier: new decision' }),
  })
  .openapi('CreateWebhookRequest');
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const Webhook = z
  .object({
    id: z.uuid().openapi({ description: 'Stable subscription id: unsubscribe with DELETE /api/v1/webhooks/{id}' }),
    url: z.string(),
    events: z.array(EventType),
    description: z.string().nullable(),
    status: z.enum(['active', 'disabled']).openapi({
      description: '`disabled` after the retries of a delivery were exhausted, or when its creator was removed or its connection revoked',
    }),
    disabled_reason: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
    disabled_at: Timestamp.nullable(),
    secret_rotated_at: Timestamp.nullable(),
    created_by: z
      .object({
        type: z.enum(['connection', 'user']),
        id: z.uuid().nullable(),
        name: z.string().nullable().openapi({ description: "The connection's name, or the person's name or email" }),
      })
      .openapi({ description: 'The principal that subscribed: only it or an admin may delete it or rotate its secret' }),
  })
  .openapi('Webhook', { description: 'A subscription. The signing secret is shown only when it is created or rotated.' });
export type Webhook = z.infer<typeof Webhook>;

export const CreatedWebhook = Webhook.extend({
  secret: WebhookSecret,
}).openapi('CreatedWebhook');

export const DeletedWebhook = z
  .object({ id: z.uuid(), deleted: z.literal(true) })
  .openapi('DeletedWebhook', { description: 'Unsubscribed: nothing more is sent, and queued deliveries are dropped' });

export const WebhookList = z.object({ data: z.array(Webhook) }).openapi('WebhookList');

export const RotatedSecret = z
  .object({
    secret: WebhookSecret,
    previous_secret_expires_at: Timestamp.nullable().openapi({
      description: 'Until then deliveries are signed with both the new and the previous secret',
    }),
    rotated_at: Timestamp.nullable(),
  })
  .openapi('RotatedSecret');

export const CallbackSecret = RotatedSecret.openapi('CallbackSecret', {
  description:
    "The organization's secret that signs every `callback_url` delivery. Created on first read; a receiver verifies callbacks with it.",
});

/** What a delivery's body holds; `details` per event type are listed in the description. */
export const WebhookPayload = z
  .object({
    type: EventType,
    timestamp: Timestamp.openapi({ description: 'When the event happened' }),
    data: z.object({
      event_id: z.string(),
      org_id: z.uuid(),
      approval_id: z.uuid().nullable(),
      actor: Principal,
      from_status: ApprovalStatus.nullable(),
      to_status: ApprovalStatus.nullable(),
      details: z.record(z.string(), z.unknown()),
      approval: Approval.nullable().openapi({
        description:
          'The request as it was when the first delivery attempt was made (null for events without one); on the event stream, as it ' +
          'is when the event is sent, with `viewer_can` for the stream\'s holder',
      }),
    }),
  })
  .openapi('WebhookPayload', {
    description:
      'The JSON body of every callback and subscription delivery (identical on every retry). `details` by type: ' +
      '`approval.created` {title, priority}; `approval.vote_recorded` {decision, comment, source, current_approvals}; ' +
      '`approval.approved` / `approval.rejected` {decision, comment, source, current_approvals}; `approval.cancelled` {}; ' +
      '`approval.expired` {expires_at}; `comment.created` {comment_id, …}; `steps.configured` {steps}; ' +
      '`step.decided` and `step.vote_recorded` {step_id, step_order, decision, comment, source}; `delivery.failed` {delivery_id, event_id, event_type, target, ' +
      'subscription_id, url, attempts, last_status_code, last_error}; `emergency_stop.changed` {emergency_stop}. ' +
      '`source` of a vote or decision: where it was cast, `slack`, `email` (a decision link), or as the API caller said; null when it said nothing.',
  });
export type WebhookPayload = z.infer<typeof WebhookPayload>;
