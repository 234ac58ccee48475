import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { ExecutionStatus } from '@greenlight/contract';
import { ConflictError, isTransient } from '../errors.ts';
import { pause } from '../pause.ts';
import type { Approval } from '../types.ts';
import { exitCodeOf } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { Remote } from './support.ts';
import { printOutcome, waitForOutcome, type Interrupts, type WaitPlan } from './waiting.ts';

export interface RunPlan extends WaitPlan {
  /** The command and its arguments, run without a shell. */
  command: string[];
  /** Where to see the run (a CI job's page), put on every receipt. */
  link?: string | undefined;
}

/** How the command reads in a receipt and on stderr: its words, quoted where a shell would need it. */
export function shownCommand(command: readonly string[]): string {
  const shown = command.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(' ');
  return shown.length > 500 ? `${shown.slice(0, 499)}…` : shown;
}

/**
 * Sends a receipt, retrying while the server is away (a receipt is worth a few seconds). A 409 that
 * says the receipt already has this status is an earlier attempt that landed: done.
 */
async function report(remote: Remote, id: string, status: ExecutionStatus, message: string, link: string | undefined, signal?: AbortSignal): Promise<Approval> {
  const body = { status, message, ...(link ? { url: link } : {}) };
  for (let attempt = 0; ; attempt++) {
    try {
      return await remote.client.approvals.reportExecution(id, body, { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof ConflictError && err.details?.execution_status === status && status !== 'started') return remote.client.approvals.get(id, { timeoutMs: 15_000 });
      if (!isTransient(err) || attempt >= 4 || signal?.aborted) throw err;
      await pause(Math.min(8_000, 500 * 2 ** attempt), signal);
    }
  }
}

interface Ended {
  exitCode: number;
  status: Extract<ExecutionStatus, 'succeeded' | 'failed'>;
  message: string;
  signal: NodeJS.Signals | null;
}

/** Runs the command with this process's streams; answers how it ended, as a shell would count it. */
/**
 * What the command is told of the approval: its id, the approver's answer (JSON, `{}` when none was
 * asked) and the metadata as approved (edits applied): a script acts on what was approved.
 */
function approvalEnv(approval: Approval): Record<string, string> {
  return {
    GREENLIGHT_APPROVAL_ID: approval.id,
    GREENLIGHT_RESPONSE: JSON.stringify(approval.response ?? {}),
    GREENLIGHT_APPROVED_METADATA: JSON.stringify(approval.approved_content?.metadata ?? approval.metadata),
  };
}

function runChild(command: string[], env: CliIo['env'], approval: Approval, interrupts: Interrupts): Promise<Ended> {
  return new Promise((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...env, ...approvalEnv(approval) } });
    // A CI runner's SIGTERM reaches this process only: pass it on (Ctrl-C in a terminal reaches both).
    const forward = () => child.kill(interrupts.stoppedBy ?? 'SIGTERM');
    interrupts.signal.addEventListener('abort', forward, { once: true });
    let settled = false;
    const done = (ended: Ended) => {
      if (settled) return;
      settled = true;
      interrupts.signal.removeEventListener('abort', forward);
      resolve(ended);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      // 127 / 126: what a shell answers for a command it cannot find / cannot execute.
      const exitCode = err.code === 'ENOENT' ? 127 : 126;
      done({ exitCode, status: 'failed', message: `Could not start ${command[0]}: ${err.code ?? err.message}`, signal: null });
    });
    child.once('exit', (code, signal) => {
      // A command that could not start may also "exit" with a negative errno: the 'error' event says it.
      if (code !== null && code < 0) return;
      if (signal) done({ exitCode: 128 + (constants.signals[signal] ?? 0), status: 'failed', message: `Killed by ${signal}`, signal });
      else done({ exitCode: code ?? 1, status: code === 0 ? 'succeeded' : 'failed', message: `Exit code ${code}`, signal: null });
    });
  });
}

/**
 * `request --run` / `greenlight run`: waits for the decision (an approval's revoke window included:
 * waitForOutcome) and runs the command only on an approval, with receipts: `started` is recorded
 * before the command starts (a revoked approval is a rejection; a request that can no longer be
 * acted on otherwise, or a server that cannot record it, means the command does not run), then
 * `succeeded` or `failed` with its exit code. Exits with the command's own exit code when it ran;
 * otherwise 1 rejected, 2 expired or cancelled, 3 timed out, 4 error. Stdout is the command's: what
 * this command says goes to stderr, and `--json` prints one object on stdout after the command ends.
 */
export async function runAfterApproval(remote: Remote, io: CliIo, interrupts: Interrupts, plan: RunPlan): Promise<number> {
  const shown = shownCommand(plan.command);
  const result = await waitForOutcome(remote, io, interrupts, plan);
  const id = result.approval.id;
  if (result.outcome !== 'approved') {
    if (plan.json) io.stdout(`${JSON.stringify({ outcome: result.outcome, approval: result.approval, ran: false })}\n`);
    else printOutcome(remote, io, result, 'stderr');
    io.stderr(`Not running ${shown}: the request is ${result.outcome === 'timed_out' ? 'still pending' : result.outcome}.\n`);
    return exitCodeOf(result.outcome);
  }
  try {
    await report(remote, id, 'started', `Running: ${shown}`, plan.link, interrupts.signal);
  } catch (err) {
    // The revoke window was waited out, but by this machine's clock: a revoke the server still took
    // in time is a rejection, as if the wait had seen it.
    if (err instanceof ConflictError && err.details?.reason === 'revoked') {
      const revoked = { outcome: 'rejected' as const, approval: { ...(await remote.client.approvals.get(id, { timeoutMs: 15_000 })), timed_out: false } };
      if (plan.json) io.stdout(`${JSON.stringify({ ...revoked, ran: false })}\n`);
      else printOutcome(remote, io, revoked, 'stderr');
      io.stderr(`Not running ${shown}: the approval was revoked.\n`);
      return exitCodeOf('rejected');
    }
    if (!plan.json) printOutcome(remote, io, result, 'stderr');
    io.stderr(`Not running ${shown}: Greenlight did not record its start.\n`);
    throw err;
  }
  if (!plan.json) printOutcome(remote, io, result, 'stderr');
  io.stderr(`Running ${shown}\n`);
  const ended = await runChild(plan.command, io.env, result.approval, interrupts);
  let approval: Approval | null = null;
  try {
    approval = await report(remote, id, ended.status, `${ended.message}: ${shown}`, plan.link);
    io.stderr(`${ended.message}; reported ${ended.status} to Greenlight: ${remote.pageOf(id)}\n`);
  } catch (err) {
    io.stderr(`${ended.message}; the receipt could not be sent (${(err as Error).message}): "greenlight execution ${id} ${ended.status}" sends it.\n`);
  }
  if (plan.json) {
    io.stdout(`${JSON.stringify({ outcome: 'approved', approval: approval ?? result.approval, ran: true, exit_code: ended.exitCode, signal: ended.signal, execution_status: ended.status })}\n`);
  }
  return ended.exitCode;
}
