import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { attemptClaimed, watchFirstAttempt } from '../../channels/webhook/inline.ts';
import { claimedFromJson } from '../../delivery/outbox/outbox.ts';
import { decide } from '../../core/approvals/index.ts';
import { countDecisions } from '../../metrics/count-decisions.ts';
import { forViewer } from '../../core/approval-view.ts';
import { oneWithViewerCan, withCan } from '../../core/approvals/index.ts';
import { voteWithGrant } from '../grants/give-grant.ts';

/**
 * `PATCH /approvals/:id`: the decision transition (core/approvals/state-machine.ts), then its callback.
 *
 * After the decision has committed (its callback is then safely in the outbox), the first attempt of
 * the callback is made inline, for at most GREENLIGHT_CALLBACK_INLINE_MS (~2 s): `callback_delivered`
 * is true when the receiver answered 2xx within that time. With `grant`, the vote and the grant commit
 * together or not at all. Slower receivers are not waited for; the
 * attempt carries on and the worker retries as needed. A vote that leaves the request pending has no
 * callback yet, and answers false.
 */
export const decideApproval: Handler<Routes['decideApproval']> = async ({ params, body, auth, deps }) => {
  const worker = deps.delivery;
  const waitMs = deps.config.GREENLIGHT_CALLBACK_INLINE_MS;
  const { decision_note, grant, ...ballot } = body;
  // With a worker here, the decision's statement also claims its callback for this process.
  const claimCallback = worker && { leaseMs: worker.runtime.leaseMs };
  const vote = { ...ballot, comment: body.comment ?? decision_note };
  const options = { claimCallback, notify: deps.config.mail !== null, answerFor: auth };
  // A standing grant given with the approval (modules/grants): checked before the vote, written with it.
  const { approval, callback, events, can } = grant
    ? await voteWithGrant(deps, auth, params.id, vote, grant, options)
    : await decide(deps.db, auth, params.id, vote, options);
  countDecisions(deps.metrics, events);
  const final = approval.status === 'approved' || approval.status === 'rejected';
  let delivered = false;
  if (callback && worker) {
    delivered = await attemptClaimed(worker, claimedFromJson(callback.delivery), callback, waitMs);
  } else if (final && approval.callback_url !== null) {
    delivered = await watchFirstAttempt(deps.db, approval.id, waitMs);
  }
  const decided = { ...forViewer(auth, approval), callback_delivered: delivered };
  // What the caller may do now: read right behind the vote where it could be (DecideOptions.answerFor).
  return { status: 200, body: can ? withCan(decided, await can) : await oneWithViewerCan(deps.db, auth, decided) };
};
