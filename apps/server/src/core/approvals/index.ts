/**
 * The request's life: every transition of an approval request, and the only import surface of
 * core/approvals. Nothing outside this folder (and storage/functions/, the SQL it runs) writes the
 * approval tables (approvals, approval_steps, approval_votes, approval_counts): eslint.config.js
 * refuses an INSERT, UPDATE or DELETE of them anywhere else in apps/server/src but tests.
 *
 * Each transition, where it is written, and the SQL function it runs (storage/functions/<name>.sql):
 *
 *   create            state-machine.ts `create` → create-batch.ts   greenlight_create_approvals, greenlight_create_approval
 *   guard             state-machine.ts `lockPending`                greenlight_lock_pending (before cancel, steps, reassign)
 *   vote, decide      state-machine.ts `decide`                     greenlight_decide
 *   step vote         state-machine.ts `decideStep`                 greenlight_decide (with a step)
 *   cancel            state-machine.ts `cancel`                     greenlight_cancel
 *   execution receipt state-machine.ts `reportExecution`           (none: its own UPDATE)
 *   revoke            state-machine.ts `revoke`                     (none: its own UPDATE)
 *   expire, auto-decide state-machine.ts `expireDue`               (none: its own UPDATE)
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
export type { CreateItem, RunStepDefinition } from './create-batch.ts';
