/**
 * The Vercel AI SDK (`ai`) adapter: a `toolApproval` function for `generateText`, `streamText` and
 * `ToolLoopAgent` that asks Greenlight about each tool call and answers the SDK with the decision.
 *
 * ```ts
 * import { greenlightToolApproval } from '@greenlight/client/ai-sdk';
 * const result = await generateText({ model, tools, toolApproval: greenlightToolApproval(gl), prompt });
 * ```
 *
 * The SDK's documented contract (docs "Tool Execution Approval"): a `GenericToolApprovalFunction`
 * receives `{ toolCall }` and may answer `{ type: 'approved' | 'denied', reason }` at call time; the
 * SDK then records the decision as approval request/response parts, runs the tool when approved, and
 * gives the model an `execution-denied` result carrying the reason when denied. Only the type is
 * imported from `ai`, so the SDK stays an optional peer of this package.
 */
import type { ToolApprovalConfiguration, ToolApprovalStatus, ToolSet } from 'ai';
import type { Greenlight } from '../client.ts';
import { decideToolCall, type ToolApprovalOptions } from './tool-approval.ts';

export type { ToolApprovalOptions, ToolCall, ToolDecision } from './tool-approval.ts';

/**
 * A `toolApproval` for the AI SDK: each tool call selected by `options.when` (default: all) becomes a
 * Greenlight request keyed by the SDK's `toolCallId`; the call waits for the decision and runs only
 * when approved. Calls not selected run without approval (`'not-applicable'`).
 */
export function greenlightToolApproval<TOOLS extends ToolSet = ToolSet, RUNTIME_CONTEXT = unknown>(
  gl: Greenlight,
  options: ToolApprovalOptions = {},
): ToolApprovalConfiguration<TOOLS, RUNTIME_CONTEXT> {
  // The SDK's generic form: one function for every tool call, reading only the call itself.
  return async ({ toolCall }: { toolCall: { toolCallId: string; toolName: string; input: unknown } }): Promise<ToolApprovalStatus> => {
    const call = { callId: toolCall.toolCallId, toolName: toolCall.toolName, input: toolCall.input };
    if (options.when && !(await options.when(call))) return 'not-applicable';
    const decision = await decideToolCall(gl, call, 'ai-sdk', options);
    return decision.approved
      ? { type: 'approved', ...(decision.reason ? { reason: decision.reason } : {}) }
      : { type: 'denied', reason: decision.reason! };
  };
}
