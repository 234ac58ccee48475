import { ConflictError, isTransient } from '../errors.ts';
import type { WaitOutcomeResult } from '../client.ts';
import type { Approval } from '../types.ts';
import { EXIT, EXIT_ON_SIGNAL, exitCodeOf } from './exit-codes.ts';
import { describeApproval } from './format.ts';
import type { CliIo, StopSignal } from './io.ts';
import { reportError, type Remote } from './support.ts';

/**
 * Ctrl-C (SIGINT) and SIGTERM (a CI runner cancelling a job) stop what the command is doing through
 * one AbortSignal, so the command can then say what it left behind; a second one ends the process at once.
 */
export class Interrupts {
  private readonly controller = new AbortController();
  stoppedBy: StopSignal | null = null;
  private readonly off: () => void;

  constructor(io: CliIo) {
    this.off = io.onStopSignal((signal) => {
      if (this.stoppedBy) io.exit(EXIT_ON_SIGNAL[signal]);
      this.stoppedBy = signal;
      this.controller.abort(new Error(`interrupted by ${signal}`));
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    this.off();
  }
}

export interface WaitPlan {
  approval: Pick<Approval, 'id' | 'title'>;
  /** When the command stops waiting (epoch ms). */
  deadline: number;
  json: boolean;
  cancelOnInterrupt: boolean;
}

/**
 * Long-polls through the SDK until the request is decided or the deadline passes, reconnecting
 * through server restarts and dropped connections; answers how the wait ended. An approval with an
 * open revoke window is not yet an approval to a script: the command cannot know when the script
 * acts on its exit code, so it cannot claim the approval for it (as `run` and the agent adapters do
 * with a `started` receipt). It waits the window out instead, and a revoke within it is a rejection.
 */
export async function waitForOutcome(remote: Remote, io: CliIo, interrupts: Interrupts, plan: Omit<WaitPlan, 'json'>): Promise<WaitOutcomeResult> {
  const { id, title } = plan.approval;
  const onCtrlC = plan.cancelOnInterrupt ? 'cancels the request' : 'stops waiting and leaves the request pending';
  io.stderr(`Waiting for a decision on "${title}": ${remote.pageOf(id)}\n(Ctrl-C ${onCtrlC})\n`);
  const timeout = Math.max(1, Math.ceil((plan.deadline - Date.now()) / 1000));
  return remote.client.approvals.waitForOutcome(id, {
    timeout,
    signal: interrupts.signal,
    reconnect: true,
    onReconnect: ({ error, delayMs }) =>
      io.stderr(`Greenlight did not answer (${error.message}); trying again in ${Math.max(1, Math.round(delayMs / 1000))} s…\n`),
    onReconnected: () => io.stderr('Reconnected; still waiting.\n'),
    revokeWindow: 'wait',
    onRevokeWindow: ({ until }) => io.stderr(`Approved; the approval may be revoked until ${until}: waiting for that window to close.\n`),
  });
}

/** How a wait ended, for a person (`to`: stdout, or stderr when stdout belongs to a command run after it). */
export function printOutcome(remote: Remote, io: CliIo, result: WaitOutcomeResult, to: 'stdout' | 'stderr' = 'stdout'): void {
  io[to](describeApproval(result.approval, remote.pageOf(result.approval.id), result.outcome));
}

/** Waits (waitForOutcome), prints the outcome, and answers its exit code. */
export async function waitAndReport(remote: Remote, io: CliIo, interrupts: Interrupts, plan: WaitPlan): Promise<number> {
  const result = await waitForOutcome(remote, io, interrupts, plan);
  if (plan.json) io.stdout(`${JSON.stringify({ outcome: result.outcome, approval: result.approval })}\n`);
  else printOutcome(remote, io, result);
  if (result.outcome === 'timed_out') io.stderr(`No decision yet; "greenlight wait ${result.approval.id}" keeps waiting.\n`);
  return exitCodeOf(result.outcome);
}

export interface FailureContext {
  command: string;
  json: boolean;
  /** The request the command was working on, when it is known. */
  approvalId?: string | undefined;
  /** Finds the request when the command was stopped before it knew the id (a create in flight). */
  find?: () => Promise<Approval | null>;
  cancelOnInterrupt?: boolean;
  /** Past it, a server that stays unreachable means the wait ran out (exit 3), not an error. */
  deadline?: number;
}

/** Turns what stopped a command (a signal, a server gone past the deadline, an error) into output and an exit code. */
export async function reportFailure(remote: Remote | null, io: CliIo, interrupts: Interrupts, err: unknown, ctx: FailureContext): Promise<number> {
  if (interrupts.stoppedBy && remote) return reportInterrupt(remote, io, interrupts.stoppedBy, ctx);
  if (ctx.deadline !== undefined && ctx.approvalId && isTransient(err) && Date.now() >= ctx.deadline) {
    // Pending when last seen, or approved inside a revoke window that could not be seen to close: either
    // way not an approval to act on.
    io.stderr(`Stopped waiting: Greenlight has not answered (${(err as Error).message}); the request ${ctx.approvalId} had no final answer when last seen ("greenlight wait ${ctx.approvalId}" asks again).\n`);
    if (ctx.json) io.stdout(`${JSON.stringify({ outcome: 'timed_out', approval: null, approval_id: ctx.approvalId })}\n`);
    return EXIT.timedOut;
  }
  return reportError(io, err, ctx.json, ctx.command);
}

async function reportInterrupt(remote: Remote, io: CliIo, signal: StopSignal, ctx: FailureContext): Promise<number> {
  const quick = { timeoutMs: 10_000 };
  let approval: Approval | null = null;
  let cancelled = false;
  let id = ctx.approvalId;
  if (ctx.cancelOnInterrupt) {
    try {
      id ??= (await ctx.find?.())?.id;
      if (id) {
        approval = await remote.client.approvals.cancel(id, quick);
        cancelled = true;
      }
    } catch (err) {
      if (err instanceof ConflictError && id) approval = await remote.client.approvals.get(id, quick).catch(() => null);
      else io.stderr(`error: could not cancel the request: ${(err as Error).message}\n`);
    }
  }
  if (cancelled) io.stderr(`Interrupted: cancelled ${id}.\n`);
  else if (approval && approval.status !== 'pending') io.stderr(`Interrupted: ${id} was already ${approval.status}.\n`);
  else if (id) io.stderr(`Interrupted: ${id} is left ${ctx.cancelOnInterrupt ? 'as it was' : 'pending'} ("greenlight wait ${id}" resumes, "greenlight cancel ${id}" withdraws it).\n`);
  else io.stderr('Interrupted before the request was known to exist.\n');
  if (ctx.json) io.stdout(`${JSON.stringify({ outcome: 'interrupted', signal, cancelled, approval, approval_id: id ?? null })}\n`);
  return EXIT_ON_SIGNAL[signal];
}
