import { applyEdits } from '@greenlight/contract';
import { outcomeOfStatus } from '@greenlight/triggers';
import type { Greenlight, WaitOutcomeResult } from '../client.ts';
import { ConflictError } from '../errors.ts';
import type { Answer, BodyOf, Edit } from '../types.ts';

/** A tool call an agent framework wants to run, in the terms every framework has. */
export interface ToolCall {
  /** The framework's own id for this call: the idempotency key, so a retried step never asks twice. */
  callId: string;
  toolName: string;
  input: unknown;
}

export interface ToolApprovalOptions {
  /**
   * Which calls ask a person (default: every call that reaches the adapter). Answer false to let a
   * call run without a request.
   */
  when?: (call: ToolCall) => boolean | Promise<boolean>;
  /**
   * The request to create for a call: whatever it returns replaces the defaults (a title naming the
   * tool, the input as `metadata.input`, priority `medium`, `action_type` `tool.<name>`, `source` the
   * framework).
   */
  request?: (call: ToolCall) => Partial<BodyOf<'createApproval'>>;
  /**
   * The agent's session or run (a conversation id, a run id), sent as `metadata.session_id`: a reviewer
   * who approves with "and the same for this agent session" (a standing grant) then approves the
   * session's later matching calls at once, without being asked again. The framework's own "allow for
   * this session" is that grant, kept by the team's server, audited and revocable, not in the process.
   */
  session?: string;
  /** How long to wait for a decision, in seconds (default 600). Past it the call is denied. */
  timeout?: number;
  /** Aborts the ask or the wait: the abort error propagates and the request stays pending. */
  signal?: AbortSignal;
  /** Prefix of the idempotency key (default the framework's name), before the framework's call id. */
  keyPrefix?: string;
  /**
   * Withdraw the request when the wait runs out (default: leave it pending). Nobody then approves a
   * call that will never run; a decision that lands as the wait ends is still honoured (an approval
   * that beat the withdrawal runs the call).
   */
  cancelOnTimeout?: boolean;
  /**
   * An approval with an open revoke window (`revocable_for_seconds` on the request): `'claim'`
   * (default) runs the tool at once, reporting execution `started` first, which closes the window (a
   * revoke that came first denies the call); `'wait'` gives the reviewers the whole window, and runs
   * the tool only once it has closed with the approval standing.
   */
  revokeWindow?: 'claim' | 'wait';
}

/** Where a tool call's input is kept in the request's metadata: its fields are `metadata.input.<key>`. */
export const INPUT_PATH = 'metadata.input';

/** How an adapter runs an approved call: whether it can run the input a reviewer edited. */
export interface InputEditing {
  /**
   * The adapter runs the tool with the input as approved, edits applied: the request marks the
   * top-level fields of the input editable. Without it nothing is marked, and an approval that edited
   * the input anyway (the `request` option marked fields) is answered as a denial: the call as asked
   * is not what was approved, and the call as approved cannot be run here.
   */
  editInput?: boolean;
}

/** What a person decided about one tool call, in the form every adapter answers its framework with. */
export interface ToolDecision {
  approved: boolean;
  /** For a denial, what the model is told; for an approval, the reviewer's comment if any. */
  reason: string | undefined;
  approvalId: string;
  outcome: WaitOutcomeResult['outcome'];
  /** With `cancelOnTimeout`: the wait ran out and the request was withdrawn. */
  withdrawn?: boolean;
  /** The input to run: the call's input with the approving reviewer's edits applied (the call's own input when none). */
  input: unknown;
  /** The fields of the input the reviewer changed, each with its value as asked and as approved (empty when none). */
  edits: Edit[];
  /** The reviewer's answer to the request's `response_schema`, when it asked for one. */
  response: Answer | null;
  /** For an approval with edits: what the model is told changed. */
  changed?: string;
}

/** The paths of a call's input a reviewer may change: each top-level field, unless the request marks it (or part of it) sensitive. */
export function editablePaths(body: BodyOf<'createApproval'>, input: unknown): string[] {
  const shown = (body.metadata as Record<string, unknown> | undefined)?.input;
  if (!isRecord(input) || !isRecord(shown)) return [];
  const sensitive = body.redact ?? [];
  return Object.keys(input)
    .filter((key) => !key.includes('.') && key !== '' && input[key] !== undefined)
    // A field shown shortened (a long string cut for the reviewer) is not offered: an edit would replace it with the excerpt.
    .filter((key) => Object.hasOwn(shown, key) && JSON.stringify(shown[key]) === JSON.stringify(input[key]))
    .map((key) => `${INPUT_PATH}.${key}`)
    .filter((path) => path.length <= 200 && !sensitive.some((r) => r === path || path.startsWith(`${r}.`) || r.startsWith(`${path}.`)))
    .slice(0, 20);
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value as the model reads it in a sentence: JSON, cut short when long. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** What the model is told about a reviewer's edits of its call. */
export function describeEdits(edits: readonly Edit[]): string {
  const fields = edits.map((e) => `${e.path.startsWith(`${INPUT_PATH}.`) ? e.path.slice(INPUT_PATH.length + 1) : e.path} from ${shown(e.before)} to ${shown(e.after)}`);
  return `A reviewer changed the arguments of this tool call before approving it in Greenlight: ${fields.join('; ')}.`;
}

/**
 * The call's input with the edits of its input applied. Edits of other fields (a `request` that marked
 * its own metadata editable) do not touch the input. Throws when an edit names a field the input does
 * not have: the approved call is then not one this adapter can run.
 */
export function editedInput(input: unknown, edits: readonly Edit[]): unknown {
  const ofInput = edits.filter((e) => e.path.startsWith(`${INPUT_PATH}.`));
  if (ofInput.length === 0) return input;
  if (!isRecord(input)) throw new TypeError('the reviewer edited the input of a call whose input is not an object');
  for (const e of ofInput) {
    const key = e.path.slice(INPUT_PATH.length + 1).split('.')[0]!;
    if (!Object.hasOwn(input, key)) throw new TypeError(`the reviewer edited ${e.path}, which the call's input does not have`);
  }
  return applyEdits({ metadata: { input }, changes: null }, ofInput.map((e) => ({ path: e.path, before: e.before, after: e.after }))).metadata.input;
}

/**
 * Asks Greenlight about one tool call and waits for the answer. Fails closed: only an approval runs
 * the tool; a rejection, expiry, cancellation or a wait that runs out denies it, with a reason the
 * model can act on. The framework's call id is the idempotency key, so a step that is retried (or
 * resumed after a crash) finds the request it already made and waits on it instead of asking again.
 */
export async function decideToolCall(gl: Greenlight, call: ToolCall, framework: string, options: ToolApprovalOptions & InputEditing = {}): Promise<ToolDecision> {
  const key = `${options.keyPrefix ?? framework}:${call.callId}`;
  const body: BodyOf<'createApproval'> = {
    title: `Run the tool ${call.toolName}`,
    description: `An agent (${framework}) asks to run the tool \`${call.toolName}\` with the input in the metadata.`,
    priority: 'medium',
    action_type: `tool.${call.toolName}`,
    source: framework,
    metadata: { tool: call.toolName, call_id: call.callId, input: call.input as never, ...(options.session ? { session_id: options.session } : {}) },
    ...options.request?.(call),
    idempotency_key: key,
  };
  if (options.editInput && body.editable === undefined) {
    const editable = editablePaths(body, call.input);
    if (editable.length > 0) body.editable = editable;
  }
  const created = await gl.approvals.create(body, { idempotencyKey: key, ...(options.signal ? { signal: options.signal } : {}) });
  const timeout = options.timeout ?? 600;
  const waited = await gl.approvals.waitForOutcome(created.id, {
    timeout,
    ...(options.revokeWindow === 'wait' ? { revokeWindow: 'wait' as const } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const { result: settled, withdrawn } =
    waited.outcome === 'timed_out' && options.cancelOnTimeout ? await withdraw(gl, waited) : { result: waited, withdrawn: false };
  const result = settled.outcome === 'approved' ? await claimApproval(gl, settled, options.signal) : settled;
  const comment = result.approval.decision_comment ?? undefined;
  const approved = result.outcome === 'approved';
  const edits = approved ? (result.approval.edits ?? []) : [];
  const decision: ToolDecision = {
    approved,
    reason: reasonOf(result, comment, timeout, withdrawn),
    approvalId: created.id,
    outcome: result.outcome,
    ...(withdrawn ? { withdrawn } : {}),
    input: call.input,
    edits,
    response: approved ? (result.approval.response ?? null) : null,
  };
  if (edits.length === 0) return decision;
  // Fails closed: an approval of changed input runs the input as changed, or nothing.
  const changed = describeEdits(edits);
  if (!options.editInput) {
    return { ...decision, approved: false, reason: `${changed} This integration cannot run changed arguments, so the call was not run; call the tool again with the changed arguments if they suit the task.` };
  }
  try {
    return { ...decision, input: editedInput(call.input, edits), changed: `${changed} The tool is called with the changed arguments.${comment ? ` The reviewer said: ${comment}` : ''}` };
  } catch (err) {
    return { ...decision, approved: false, reason: `The approved tool call could not be run as a reviewer changed it (${(err as Error).message}); it was not run.` };
  }
}

/** The reason of a denial for an approval whose changed input the tool refuses: the call never runs. */
export function invalidEdit(decision: ToolDecision, problem: string): string {
  return `${describeEdits(decision.edits)} The changed arguments are not valid input for this tool (${problem}), so it was not run.`;
}

/**
 * An approval with an open revoke window may still be taken back until the tool runs. Before the
 * tool runs, the adapter reports execution `started`: the server takes that or a revoke, never both
 * (one row lock), so once it is taken the approval stands, and a revoke that came first turns the
 * approval into a rejection here. Without a window (or once it has closed) the approval is final.
 */
async function claimApproval(gl: Greenlight, result: WaitOutcomeResult, signal: AbortSignal | undefined): Promise<WaitOutcomeResult> {
  const until = result.approval.revocable_until;
  if (!until || Date.parse(until) <= Date.now()) return result;
  try {
    const approval = await gl.approvals.reportExecution(
      result.approval.id,
      { status: 'started', message: 'The agent is running the tool' },
      signal ? { signal } : {},
    );
    return { ...result, approval: { ...approval, timed_out: false } };
  } catch (err) {
    if (err instanceof ConflictError && err.details?.reason === 'revoked') {
      const approval = await gl.approvals.get(result.approval.id, signal ? { signal } : {});
      return { outcome: 'rejected', approval: { ...approval, timed_out: false } };
    }
    // The window closed meanwhile, or a receipt was already reported (a retried step): still approved.
    if (err instanceof ConflictError) return result;
    throw err;
  }
}

/**
 * Cancels a request whose wait ran out. A 409 means someone decided first: the decision stands and
 * is answered (an approval included, read back through the one outcome rule).
 */
async function withdraw(gl: Greenlight, timedOut: WaitOutcomeResult): Promise<{ result: WaitOutcomeResult; withdrawn: boolean }> {
  const quick = { timeoutMs: 10_000 };
  try {
    const cancelled = await gl.approvals.cancel(timedOut.approval.id, quick);
    return { result: { outcome: 'timed_out', approval: { ...cancelled, timed_out: true } }, withdrawn: true };
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    const now = await gl.approvals.get(timedOut.approval.id, quick);
    const outcome = outcomeOfStatus(now.status);
    const approval = { ...now, timed_out: false };
    return { result: outcome ? { outcome, approval } : { outcome: 'timed_out', approval: { ...approval, timed_out: true } }, withdrawn: false };
  }
}

function reasonOf(result: WaitOutcomeResult, comment: string | undefined, timeout: number, withdrawn = false): string | undefined {
  const said = comment ? `: ${comment}` : '';
  switch (result.outcome) {
    case 'approved':
      return comment;
    case 'rejected':
      if (result.approval.revoked_at) {
        const why = result.approval.revocation_reason ? `: ${result.approval.revocation_reason}` : '';
        return `A reviewer revoked the approval of this tool call in Greenlight before it ran${why}`;
      }
      // The model is told who said no: a person, or one of the team's policies (named, with its reason).
      if (result.approval.decided_by_type === 'policy') {
        const policy = result.approval.decided_by_policy?.id;
        return `Greenlight's policy${policy ? ` ${policy}` : ''} rejected this tool call${said}`;
      }
      return `A reviewer rejected this tool call in Greenlight${said}`;
    case 'expired':
      return 'Nobody decided on this tool call before its approval request expired; it was not run.';
    case 'cancelled':
      return 'The approval request for this tool call was cancelled; it was not run.';
    case 'timed_out':
      return withdrawn
        ? `No decision on this tool call within ${timeout} s; it was not run, and its approval request ${result.approval.id} was withdrawn.`
        : `No decision on this tool call within ${timeout} s (approval request ${result.approval.id} is still pending); it was not run.`;
  }
}
