import type { Approval } from '@greenlight/contract';
import { APPROVAL_OUTPUT_FIELDS, type EventType } from '../generated/contract.ts';
import type { FieldDescriptor } from '../fields.ts';
import { SAMPLE_DECIDED_APPROVAL } from '../samples.ts';
import { OUTCOME_SOURCES, outcomeOf, type DecisionOutcome } from '../outcome.ts';
import { changedRequests, fetchEvents, subscribeRequest, unsubscribeRequest, type TriggerDefinition } from './define.ts';

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
 * The moment the request left `pending`. `decided_at` covers approvals and rejections (manual or
 * automatic at expiry) and `cancelled_at` cancellations; a plain expiry has neither, and its
 * `expires_at` is only when it became due (the sweeper records it later), so its time is the
 * `approval.expired` event's, which the sweeper writes in the same transaction. A platform that
 * cannot read events while it polls (Make) reads the fields and then `updated_at`.
 */
export const DECISION_TIME_FIELDS = ['decided_at', 'cancelled_at'] as const satisfies readonly (keyof Approval)[];

async function decisionTime(a: Approval, request: Parameters<TriggerDefinition<Approval, DecidedFilters>['polling']['expand']>[1]['request']): Promise<number | null> {
  for (const field of DECISION_TIME_FIELDS) {
    const at = a[field];
    if (at) return Date.parse(at);
  }
  if (a.status !== 'expired') return null;
  const expired = (await fetchEvents(request, a.id)).find((e) => e.type === 'approval.expired');
  return expired ? Date.parse(expired.created_at) : null;
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
    async (a, { request, filters }) => {
      if (!(filters.outcomes as string[]).includes(a.status)) return [];
      const time = await decisionTime(a, request);
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
  outputFields: APPROVAL_OUTPUT_FIELDS,
};
