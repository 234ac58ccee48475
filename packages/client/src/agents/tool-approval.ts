import type { Greenlight, WaitOutcomeResult } from '../client.ts';
import type { BodyOf } from '../types.ts';

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
  /** How long to wait for a decision, in seconds (default 600). Past it the call is denied. */
  timeout?: number;
  /** Aborts the ask or the wait: the abort error propagates and the request stays pending. */
  signal?: AbortSignal;
  /** Prefix of the idempotency key (default the framework's name), before the framework's call id. */
  keyPrefix?: string;
}

/** What a person decided about one tool call, in the form every adapter answers its framework with. */
export interface ToolDecision {
  approved: boolean;
  /** For a denial, what the model is told; for an approval, the reviewer's comment if any. */
  reason: string | undefined;
  approvalId: string;
  outcome: WaitOutcomeResult['outcome'];
}

/**
 * Asks Greenlight about one tool call and waits for the answer. Fails closed: only an approval runs
 * the tool; a rejection, expiry, cancellation or a wait that runs out denies it, with a reason the
 * model can act on. The framework's call id is the idempotency key, so a step that is retried (or
 * resumed after a crash) finds the request it already made and waits on it instead of asking again.
 */
export async function decideToolCall(gl: Greenlight, call: ToolCall, framework: string, options: ToolApprovalOptions = {}): Promise<ToolDecision> {
  const key = `${options.keyPrefix ?? framework}:${call.callId}`;
  const body: BodyOf<'createApproval'> = {
    title: `Run the tool ${call.toolName}`,
    description: `An agent (${framework}) asks to run the tool \`${call.toolName}\` with the input in the metadata.`,
    priority: 'medium',
    action_type: `tool.${call.toolName}`,
    source: framework,
    metadata: { tool: call.toolName, call_id: call.callId, input: call.input as never },
    ...options.request?.(call),
    idempotency_key: key,
  };
  const created = await gl.approvals.create(body, { idempotencyKey: key, ...(options.signal ? { signal: options.signal } : {}) });
  const timeout = options.timeout ?? 600;
  const result = await gl.approvals.waitForOutcome(created.id, { timeout, ...(options.signal ? { signal: options.signal } : {}) });
  const comment = result.approval.decision_comment ?? undefined;
  return { approved: result.outcome === 'approved', reason: reasonOf(result, comment, timeout), approvalId: created.id, outcome: result.outcome };
}

function reasonOf(result: WaitOutcomeResult, comment: string | undefined, timeout: number): string | undefined {
  const said = comment ? `: ${comment}` : '';
  switch (result.outcome) {
    case 'approved':
      return comment;
    case 'rejected':
      return `A reviewer rejected this tool call in Greenlight${said}`;
    case 'expired':
      return 'Nobody decided on this tool call before its approval request expired; it was not run.';
    case 'cancelled':
      return 'The approval request for this tool call was cancelled; it was not run.';
    case 'timed_out':
      return `No decision on this tool call within ${timeout} s (approval request ${result.approval.id} is still pending); it was not run.`;
  }
}
