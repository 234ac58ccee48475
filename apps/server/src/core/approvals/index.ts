/**
 * The request's life: every transition of an approval request, and the only import surface of
 * core/approvals. Nothing outside this folder (and storage/functions/, the SQL it runs) writes the
 * approval tables (approvals, approval_steps, approval_votes, approval_counts): eslint.config.js
 * refuses an INSERT, UPDATE or DELETE of them, or a call of a transition's SQL function, anywhere
 * else in apps/server/src but tests (lint.security.test.ts), and an import of any other file here.
 *
 * Each transition, the function to call, and the SQL function it runs (storage/functions/<name>.sql;
 * "-" where its statements are in the TypeScript itself):
 *
 *   transition               function (go to its definition)                  file               SQL function
 *   create                   {@link create}                                   state-machine.ts   greenlight_create_approvals, greenlight_create_approval (create-batch.ts)
 *   guard of every change    {@link lockPending}                              state-machine.ts   greenlight_lock_pending
 *   vote, decide             {@link decide}                                   state-machine.ts   greenlight_decide
 *   vote on a named step     {@link decideStep}                               state-machine.ts   greenlight_decide
 *   cancel                   {@link cancel}                                   state-machine.ts   greenlight_cancel
 *   execution receipt        {@link reportExecution}                          state-machine.ts   -
 *   revoke                   {@link revoke}                                   state-machine.ts   -
 *   expire, auto-decide      {@link expireDue}                                state-machine.ts   -
 *   decided by a policy      {@link create} with a decision                   auto-decide.ts     greenlight_create_approvals / _approval (batched), then -
 *   decided by a grant       {@link create} with an in-transaction decider    auto-decide.ts     greenlight_create_approvals / _approval (batched), then -
 *   configure steps          {@link configureApprovalSteps}                   steps.ts           greenlight_lock_pending
 *   reassign a step          {@link reassignApprovalStep}                     steps.ts           greenlight_require_manager, greenlight_lock_pending
 *   escalate a step          {@link escalateStep}                             escalate.ts        -
 *   a person leaves          {@link removePersonFromPendingSteps}             steps.ts           -
 *   flag a waiter gone       {@link markWaiterGone}                           waiter.ts          -
 *   … present, returned      {@link markWaiterPresent}, {@link readWaitedOnByLongPoll}, {@link markWaiterInconclusive}
 *   … looked at, unprobed    {@link noteWaiterChecked}, {@link noteWaiterUnprobed}
 *   count a comment          {@link countComment}                             comments.ts        -
 *   purge closed requests    {@link purgeClosed}                              purge.ts           greenlight_purge_closed
 *   fold the list counters   {@link foldApprovalCounts}                       counts.ts          greenlight_fold_approval_counts
 *
 * Who may do what (the requester's person, the active steps, who is asked now, viewer_can) is one SQL
 * file, storage/functions/greenlight_rules.sql, that the transitions' SQL and every reader call; rules.ts
 * ({@link viewerCan}, {@link askedNow}) is its TypeScript face. The step-up rule (which requests only a
 * passkey-confirmed dashboard session decides) is step-up.ts, the one rule in TypeScript: its action-type
 * globs are the routing rules' matcher; `vote` passes its verdict to greenlight_decide, viewer_can shows it.
 *
 * state-machine.ts states the rules each transition checks. Triggers keep what follows from these
 * writes: approval_counts.sql (the per-org counters), events_fan_out.sql (deliveries of the events),
 * timers_cancel.sql (timers of a request or step that stopped waiting).
 */
export {
  AUTO_DECISION_COMMENT,
  cancel,
  create,
  decide,
  decideStep,
  expireDue,
  EXPIRY_BATCH_SIZE,
  lockPending,
  reportExecution,
  revoke,
  type ClaimedCallback,
  type CreateOutcome,
  type Decided,
  type DecideOptions,
  type NewRequest,
  type SweepOutcome,
  type VoteInput,
} from './state-machine.ts';
export type { CreateItem, ReadBehind, RunStepDefinition } from './create-batch.ts';
export { namesItsApprovers } from './create-batch.ts';
export type { AutoDecision, InTransactionDecider } from './auto-decide.ts';
export { configureApprovalSteps, reassignApprovalStep, removePersonFromPendingSteps } from './steps.ts';
export { escalateStep } from './escalate.ts';
export { readWaitedOnByLongPoll, markWaiterGone, markWaiterInconclusive, markWaiterPresent, noteWaiterChecked, noteWaiterUnprobed } from './waiter.ts';
export { countComment } from './comments.ts';
export { purgeClosed } from './purge.ts';
export { foldApprovalCounts } from './counts.ts';
export { GRANT_BY_KEY_REFUSAL } from './grant-permission.ts';
export { askedNow, askedNowAndNotVotedSql, approvedBySql, oneWithViewerCan, personAsker, requesterPersonSql, viewerCan, viewerCanColumns, viewerCanMany, viewerCanOfRow, withCan, withViewerCan, type Asker, type CanColumns } from './rules.ts';
