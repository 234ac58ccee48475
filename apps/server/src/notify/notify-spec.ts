import { z } from 'zod';
import type { ChannelSpec } from '../delivery/outbox/channel.ts';

const Nothing = z.object({});

/**
 * The outbox rows that tell people (notify-channel.ts): one per event that may have someone told, per
 * reminder and per digest that comes due. Each is worked out when it is sent: who is told (now, not
 * when the row was queued), then one row per person and chosen channel (tell.ts).
 */
export const NOTIFY = {
  name: 'notify',
  kinds: {
    /**
     * Who is asked may have changed (the row's event): whoever is asked now and was not told yet.
     * `named`: written by the create of a request that names its approvers (its steps are written with
     * it), which is told at once: the grace for a request that names nobody need not be read.
     */
    approval_request: { payload: z.object({ named: z.literal(true).optional() }) },
    /** An execution receipt (the row's event): the people who approved. */
    execution_receipt: { payload: Nothing },
    /** Nobody waits for the answer any more (the row's event): the person behind the request. */
    waiter_gone: { payload: Nothing },
    /** A step's reminder came due: whoever the step still waits for. */
    reminder: { payload: z.object({ step_order: z.number().int().min(0) }) },
    /** A member's daily digest (the row's recipient). */
    digest: { payload: Nothing },
  },
} as const satisfies ChannelSpec;
