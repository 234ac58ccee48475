import type { ApprovalStatus, EventType } from './generated/contract.ts';

/**
 * What a request that waited for a person ended as. The one place that turns a callback's event
 * type or a request's status into an outcome: the n8n node, the Zapier app, the Make app and the SDK
 * all read it from here, so "what counts as approved" is decided once.
 *
 * The rule: only the literal `approval.approved` event or `approved` status is `approved`. Anything
 * else that is final maps to its own outcome; anything not listed (pending, an unknown event type, a
 * missing or malformed value, a key of Object.prototype) maps to nothing, never to approved. A wait
 * that ends because its own limit passed is `timed_out`, which no event or status produces. An
 * `approval.revoked` event (an approval rescinded within its window) is `rejected`.
 */
export const DECISION_OUTCOMES = ['approved', 'rejected', 'cancelled', 'expired'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const WAIT_OUTCOMES = [...DECISION_OUTCOMES, 'timed_out'] as const;
export type WaitOutcome = (typeof WAIT_OUTCOMES)[number];

/** Each final outcome's event type (what a callback or subscription delivers) and request status. */
export const OUTCOME_SOURCES = {
  approved: { event: 'approval.approved', status: 'approved' },
  rejected: { event: 'approval.rejected', status: 'rejected' },
  cancelled: { event: 'approval.cancelled', status: 'cancelled' },
  expired: { event: 'approval.expired', status: 'expired' },
} as const satisfies Record<DecisionOutcome, { event: EventType; status: ApprovalStatus }>;

const lookup = (key: 'event' | 'status') => new Map<string, DecisionOutcome>(DECISION_OUTCOMES.map((o) => [OUTCOME_SOURCES[o][key], o]));
// A revoked approval is a rejection for whoever has not acted yet: the request's status is then
// `rejected` too, so the event and the status agree.
const BY_EVENT = new Map<string, DecisionOutcome>([...lookup('event'), ['approval.revoked' satisfies EventType, 'rejected']]);
const BY_STATUS = lookup('status');

/** The final outcome an event type stands for (`approval.rejected` → rejected), else undefined. */
export function outcomeOfEvent(type: unknown): DecisionOutcome | undefined {
  return typeof type === 'string' ? BY_EVENT.get(type) : undefined;
}

/** The final outcome a request's status stands for (`rejected` → rejected), else undefined (pending too). */
export function outcomeOfStatus(status: unknown): DecisionOutcome | undefined {
  return typeof status === 'string' ? BY_STATUS.get(status) : undefined;
}

/**
 * The outcome a delivery (a callback or a subscription's event) reports: its event type's, except
 * that an approval also needs the request it carries to say `approved`. A delivery whose type and
 * request disagree about an approval, or whose type is no final outcome, reports nothing.
 */
export function outcomeOf(delivery: { type?: unknown; approval?: { status?: unknown } | null } | null | undefined): DecisionOutcome | undefined {
  const outcome = outcomeOfEvent(delivery?.type);
  if (outcome === 'approved' && outcomeOfStatus(delivery?.approval?.status) !== 'approved') return undefined;
  return outcome;
}

/**
 * Whether a delivery is about the request `approvalId`: the id its data names and, when it carries
 * the request, that request's id. The other half of "only an approval continues": only a decision of
 * *the request the waiter made* does. A request's `callback_url` is no proof of whose decision
 * arrives there: any request may name any receiver (many share one), and Greenlight signs every
 * callback of the organization with the same secret, so a valid signature says only that Greenlight
 * sent it. Every waiter (the n8n node, the Zapier app, the SDK's `parseWebhook`, the Make pattern)
 * keeps the id it created and compares it here; an empty or missing id matches nothing.
 */
export function isAboutRequest(
  delivery: { data?: { approval_id?: unknown; approval?: { id?: unknown } | null } | null } | null | undefined,
  approvalId: string | null | undefined,
): boolean {
  if (typeof approvalId !== 'string' || approvalId === '') return false;
  const data = delivery?.data;
  if (!data || typeof data !== 'object' || data.approval_id !== approvalId) return false;
  return data.approval === undefined || data.approval === null || data.approval.id === approvalId;
}
