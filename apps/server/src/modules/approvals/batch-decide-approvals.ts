import type { BatchDecideBody, BatchDecideItem, BatchDecideResult, Routes } from '@greenlight/contract';
import type { Logger } from 'pino';
import type { AppDeps, Handler } from '../../context.ts';
import type { Caller } from '../../core/events.ts';
import { decide } from '../../core/approvals/index.ts';
import { ApiError } from '../../errors.ts';
import { countDecisions } from '../../metrics/count-decisions.ts';
import { forViewer, type Viewer } from '../../core/approval-view.ts';
import { withViewerCan } from '../../core/approvals/index.ts';

/** Distinct ids in the order of their first appearance; uuids compare case-insensitively. */
export const distinctIds = (ids: readonly string[]): string[] => [...new Set(ids.map((id) => id.toLowerCase()))];

/**
 * Decides each request in turn through the one decision transition (core/approvals/state-machine.ts `decide`):
 * each call is one statement, so one transaction per request, with every guard of a single decision
 * (found in the caller's org, emergency stop, pending, expiry, four-eyes, who may decide, one vote
 * each) checked under that request's lock. A refusal rolls back only its own request and is answered
 * as the single decision would answer it. One at a time and in order, so the results are those of
 * the same decisions made one after another (a stop turned on half-way refuses the rest).
 *
 * No callback is attempted inline (the single decision waits up to ~2 s for each): the decisions'
 * outbox rows are the delivery worker's, which the transition wakes.
 */
export async function decideBatch(deps: Pick<AppDeps, 'db' | 'metrics'>, caller: Caller & Viewer, body: BatchDecideBody, log?: Logger): Promise<BatchDecideResult> {
  const ballot = { decision: body.decision, comment: body.comment, source: body.source };
  const data: BatchDecideItem[] = [];
  for (const id of distinctIds(body.ids)) {
    try {
      const { approval, events } = await decide(deps.db, caller, id, ballot);
      countDecisions(deps.metrics, events);
      data.push({ id, outcome: 'recorded', approval: forViewer(caller, approval) });
    } catch (err) {
      if (!(err instanceof ApiError)) {
        // The request's own transaction rolled back; the others stand, so the answer must still say which did.
        log?.error({ err, approval_id: id }, 'batch decision failed');
        data.push({ id, outcome: 'refused', status: 500, error: { code: 'INTERNAL_ERROR', message: 'the decision of this request failed; retry it' } });
        continue;
      }
      data.push({ id, outcome: 'refused', status: err.status, error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
  }
  const recorded = data.filter((r) => r.outcome === 'recorded').length;
  return { data, recorded, refused: data.length - recorded };
}

/** `POST /approvals/batch-decide`. */
export const batchDecideApprovals: Handler<Routes['batchDecideApprovals']> = async ({ body, auth, deps, log }) => {
  const result = await decideBatch(deps, auth, body, log);
  // What the caller may do with each recorded request now, in one statement for all of them.
  const shown = await withViewerCan(deps.db, auth, result.data.flatMap((r) => (r.outcome === 'recorded' ? [r.approval] : [])));
  const byId = new Map(shown.map((a) => [a.id, a]));
  const data = result.data.map((r) => (r.outcome === 'recorded' ? { ...r, approval: byId.get(r.approval.id) ?? r.approval } : r));
  return { status: 200, body: { ...result, data } };
};
