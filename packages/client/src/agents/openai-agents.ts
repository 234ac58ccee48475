/**
 * The OpenAI Agents SDK (`@openai/agents`) adapter. A tool declared with `needsApproval` interrupts
 * the run; the SDK's documented way on is to `approve()` or `reject()` each item of
 * `result.interruptions` on `result.state` and run again with that state. This adapter turns each
 * interruption into a Greenlight request (keyed by the tool call's `callId`), waits for the
 * decisions, and answers the state with them; a rejection's reason becomes the message the model
 * receives. Only types are imported from the SDK, so it stays an optional peer of this package.
 *
 * ```ts
 * import { run } from '@openai/agents';
 * import { resolveInterruptions } from '@greenlight/client/openai-agents';
 * let result = await run(agent, input);
 * while (result.interruptions.length > 0) result = await run(agent, (await resolveInterruptions(gl, result)).state);
 * ```
 *
 * Approving an item cannot change the arguments the SDK runs the tool with, so a reviewer's edits of
 * a call need the tools too: `greenlightApprovals(gl)` gives `tool()` to wrap them and its own
 * `resolveInterruptions`, together running each approved call with its arguments as approved.
 */
import type { FunctionTool, RunToolApprovalItem } from '@openai/agents-core';
import type { Greenlight } from '../client.ts';
import { decideToolCall, type ToolApprovalOptions, type ToolCall, type ToolDecision } from './tool-approval.ts';

export type { ToolApprovalOptions, ToolCall, ToolDecision } from './tool-approval.ts';

/** What the adapter uses of a run's state (the SDK's `RunState`): answering an approval item. */
export interface ApprovableState {
  approve(item: RunToolApprovalItem): void;
  reject(item: RunToolApprovalItem, options?: { message?: string }): void;
}

/** What the adapter reads of a run result: its interruptions and the state to resume from. */
export interface InterruptedRun<TState extends ApprovableState> {
  interruptions: RunToolApprovalItem[];
  state: TState;
}

function callOf(item: RunToolApprovalItem): ToolCall {
  const raw = item.rawItem as { callId?: string; id?: string };
  const callId = raw.callId ?? raw.id;
  if (!callId) throw new TypeError(`tool approval item for ${item.name ?? 'a tool'} has no call id`);
  let input: unknown = item.arguments;
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      // Arguments the model did not write as JSON are shown to the reviewer as they came.
    }
  }
  return { callId, toolName: item.name ?? 'tool', input };
}

/**
 * Asks Greenlight about every interruption of the run at once, waits for all the decisions, and
 * approves or rejects each on the run's state. Returns the state, to pass to `run()` again, and the
 * decisions by call id. Interruptions not selected by `options.when` are left undecided.
 */
export async function resolveInterruptions<TState extends ApprovableState>(
  gl: Greenlight,
  result: InterruptedRun<TState>,
  options: ToolApprovalOptions = {},
): Promise<{ state: TState; decisions: Map<string, ToolDecision> }> {
  return resolveWith(gl, result, options, () => false);
}

async function resolveWith<TState extends ApprovableState>(
  gl: Greenlight,
  result: InterruptedRun<TState>,
  options: ToolApprovalOptions,
  editable: (call: ToolCall) => boolean,
): Promise<{ state: TState; decisions: Map<string, ToolDecision> }> {
  const decisions = new Map<string, ToolDecision>();
  await Promise.all(
    result.interruptions.map(async (item) => {
      const call = callOf(item);
      if (options.when && !(await options.when(call))) return;
      const decision = await decideToolCall(gl, call, 'openai-agents', { ...options, editInput: editable(call) });
      decisions.set(call.callId, decision);
      if (decision.approved) result.state.approve(item);
      else result.state.reject(item, { message: decision.reason! });
    }),
  );
  return { state: result.state, decisions };
}

/**
 * Tool approval where a reviewer may change a call's arguments before approving: each request marks
 * the call's top-level arguments editable, and a tool wrapped by `tool()` runs an approved call with
 * its arguments as approved (the tool's own parsing checks them: arguments it refuses never reach
 * its `execute`), its output to the model starting with what the reviewer changed.
 *
 * ```ts
 * const greenlight = greenlightApprovals(gl);
 * const agent = new Agent({ name: 'ops', tools: [greenlight.tool(refund)] });
 * let result = await run(agent, input);
 * while (result.interruptions.length > 0) result = await run(agent, (await greenlight.resolveInterruptions(result)).state);
 * ```
 */
export function greenlightApprovals(gl: Greenlight, options: ToolApprovalOptions = {}) {
  const edited = new Map<string, ToolDecision>();
  // Only a wrapped tool's calls are offered for editing: another tool would run the arguments as asked.
  const wrapped = new Set<string>();
  return {
    /** The tool, running an approved call with its arguments as the reviewer approved them. */
    tool<T extends FunctionTool<never, never, unknown>>(tool: T): T {
      wrapped.add(tool.name);
      return {
        ...tool,
        invoke: async (runContext: Parameters<T['invoke']>[0], input: string, details?: Parameters<T['invoke']>[2]) => {
          const callId = details?.toolCall?.callId;
          const decision = callId === undefined ? undefined : edited.get(callId);
          if (!decision) return tool.invoke(runContext, input, details);
          const output = await tool.invoke(runContext, JSON.stringify(decision.input), details);
          return `${decision.changed}\n\n${typeof output === 'string' ? output : JSON.stringify(output)}`;
        },
      };
    },
    /** `resolveInterruptions`, with a reviewer's edits kept for the wrapped tools. */
    async resolveInterruptions<TState extends ApprovableState>(result: InterruptedRun<TState>): Promise<{ state: TState; decisions: Map<string, ToolDecision> }> {
      const resolved = await resolveWith(gl, result, options, (call) => wrapped.has(call.toolName));
      for (const [callId, decision] of resolved.decisions) {
        if (decision.approved && decision.edits.length > 0) edited.set(callId, decision);
        else edited.delete(callId);
      }
      return resolved;
    },
  };
}
