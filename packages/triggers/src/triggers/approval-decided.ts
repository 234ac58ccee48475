import type { Approval } from '@greenlight/contract';
import { APPROVAL_ITEM_OUTPUT_FIELDS, type EventType } from '../generated/contract.ts';
import type { FieldDescriptor } from '../fields.ts';
import { SAMPLE_DECIDED_APPROVAL } from '../samples.ts';
import { OUTCOME_SOURCES, outcomeOf, type DecisionOutcome } from '../outcome.ts';
import { changedRequests, subscribeRequest, unsubscribeRequest, type TriggerDefinition } from './define.ts';

/** The filter's options, in the order the platforms show them. */
export const OUTCOMES = ['approved', 'rejected', 'expired', 'cancelled'] as const satisfies readonly DecisionOutcome[];
export type Outcome = DecisionOutcome;
export interface DecidedFilters {
  outcomes: Outcome[];
}

const EVENT_OF = Object.fromEntries(OUTCOMES.map((o) => [o, OUTCOME_SOURCES[o].event])) as Record<Outcome, EventType>;

const outcomesField: FieldDescriptor = {
  key: 'outcomes',
  label: 'Outcomes',
  help: 'Only trigger on these outcomes (all four when empty). An automatic decision at expiry (`on_expiry`) counts as approved or rejected.',
  type: 'multiselect',
  required: false,
  in: 'query',
  options: OUTCOMES.map((o) => ({ value: o, label: o.charAt(0).toUpperCase() + o.slice(1) })),
  default: [...OUTCOMES],
};

function parseOutcomes(input?: Record<string, unknown>): DecidedFilters {
  const raw = input?.outcomes;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
  const picked = OUTCOMES.filter((o) => list.map((x) => String(x).trim()).includes(o));
  return { outcomes: picked.length > 0 ? picked : [...OUTCOMES] };
}

/**
 * The moment the request left `pending`, one field per way out: `decided_at` for approvals and
 * rejections (manual or automatic at expiry), `cancelled_at` for cancellations, `expired_at` for a
 * plain expiry (not `expires_at`, which is only when it became due: the sweeper records it later).
 * Every platform reads these, in this order, from the request alone.
 */
export const DECISION_TIME_FIELDS = ['decided_at', 'cancelled_at', 'expired_at'] as const satisfies readonly (keyof Approval)[];

function decisionTime(a: Approval): number | null {
  for (const field of DECISION_TIME_FIELDS) {
    const at = a[field];
    if (at) return Date.parse(at);
  }
  return null;
}

/** Fires once per request that reaches a final state; the item is the request as decided. */
export const approvalDecidedTrigger: TriggerDefinition<Approval, DecidedFilters> = {
  key: 'approval_decided',
  label: 'Approval Decided',
  description: 'Triggers when an approval request is approved, rejected, expires or is cancelled.',
  eventTypes: Object.values(EVENT_OF),
  inputFields: [outcomesField],
  filters: parseOutcomes,
  polling: changedRequests(
    (f) => ({ status: f.outcomes.join(',') }),
    async (a, { filters }) => {
      if (!(filters.outcomes as string[]).includes(a.status)) return [];
      const time = decisionTime(a);
      return time === null ? [] : [{ key: a.id, time, item: a }];
    },
  ),
  webhook: {
    events: (f) => f.outcomes.map((o) => EVENT_OF[o]),
    subscribe: (url, f, description) => subscribeRequest(url, f.outcomes.map((o) => EVENT_OF[o]), description),
    unsubscribe: unsubscribeRequest,
    fromPayload: (p, f) => {
      const outcome = outcomeOf({ type: p.type, approval: p.data.approval });
      return outcome && f.outcomes.includes(outcome) && p.data.approval ? [p.data.approval] : [];
    },
  },
  sample: SAMPLE_DECIDED_APPROVAL,
  outputFields: APPROVAL_ITEM_OUTPUT_FIELDS,
};
