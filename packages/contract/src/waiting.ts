import { z } from './zod.ts';
import { Approval } from './approvals.ts';

/**
 * Waiting for a decision without a webhook receiver: a long poll on one request, and a
 * Server-Sent Events stream of the organization's events.
 */

export const WAIT_TIMEOUT = { min: 1, max: 60, default: 30 } as const;

export const WaitApprovalQuery = z.object({
  timeout: z.coerce
    .number()
    .int()
    .min(WAIT_TIMEOUT.min)
    .max(WAIT_TIMEOUT.max)
    .default(WAIT_TIMEOUT.default)
    .openapi({ description: `Seconds to wait at most (${WAIT_TIMEOUT.min}–${WAIT_TIMEOUT.max})`, example: 30 }),
});
export type WaitApprovalQuery = z.infer<typeof WaitApprovalQuery>;

export const WaitResult = Approval.extend({
  timed_out: z.boolean().openapi({
    description: '`true` when the timeout passed with the request still `pending`: call again to keep waiting',
  }),
}).openapi('WaitResult');
export type WaitResult = z.infer<typeof WaitResult>;

const INT8_MAX = 9223372036854775807n;

/** An event id as sent in the stream's `id:` lines: a decimal integer. */
export const EventCursor = z
  .string()
  .refine((s) => /^(0|[1-9]\d{0,18})$/.test(s) && BigInt(s) <= INT8_MAX, 'must be an event id (a non-negative integer)')
  .openapi({ type: 'string', pattern: '^(0|[1-9][0-9]{0,18})$' });

export const EventStreamQuery = z.object({
  last_event_id: EventCursor.optional().openapi({
    description:
      'Replay every event after this id, then go live (`0` replays from the start). The `Last-Event-ID` header, which ' +
      'EventSource sends when it reconnects, takes precedence.',
    example: '1042',
  }),
});

export const EventStreamHeaders = z.object({
  'last-event-id': EventCursor.optional().openapi({ description: 'The id of the last event received: resume after it' }),
});

export const EVENT_STREAM_HEARTBEAT_SECONDS = 15;
