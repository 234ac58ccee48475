import type { EventType } from '@greenlight/contract';
import type { DecisionOutcome, Metrics } from './metrics.ts';

const FINAL: Partial<Record<EventType, DecisionOutcome>> = {
  'approval.approved': 'approved',
  'approval.rejected': 'rejected',
};

/** Counts the final decision among the events a vote committed (a vote that leaves the request pending counts nothing). */
export function countDecisions(metrics: Metrics | undefined, events: readonly EventType[]): void {
  if (!metrics) return;
  for (const type of events) {
    const outcome = FINAL[type];
    if (outcome) metrics.approvalDecided(outcome, 'person');
  }
}
