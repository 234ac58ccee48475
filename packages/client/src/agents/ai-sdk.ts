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
 * gives the model an `execution-denied` result carrying the reason when denied.
 *
 * An approval cannot change the input the SDK runs a tool with, so a reviewer's edits of a call's
 * arguments need the tools too: `greenlightTools(gl, tools)` answers both, the tools wrapped to run
 * with the input as approved and to tell the model what the reviewer changed.
 */
import type { Tool, ToolApprovalConfiguration, ToolApprovalStatus, ToolSet } from 'ai';
import type { Greenlight } from '../client.ts';
import { decideToolCall, invalidEdit, type ToolApprovalOptions, type ToolDecision } from './tool-approval.ts';

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
  return approvalFunction(gl, options, null);
}

/** The decisions of approved calls whose input a reviewer changed, by the SDK's tool call id. */
type Edited = Map<string, ToolDecision>;

interface EditingTools {
  /** The tools as given: their input schemas check edited input. */
  tools: ToolSet;
  /** The wrapped tools, which alone run the input as approved. */
  wrapped: WeakSet<object>;
  calls: Edited;
}

function approvalFunction<TOOLS extends ToolSet, RUNTIME_CONTEXT>(gl: Greenlight, options: ToolApprovalOptions, edited: EditingTools | null): ToolApprovalConfiguration<TOOLS, RUNTIME_CONTEXT> {
  // The SDK's generic form: one function for every tool call, reading only the call itself.
  return async ({ toolCall, tools }: { toolCall: { toolCallId: string; toolName: string; input: unknown }; tools?: ToolSet | undefined }): Promise<ToolApprovalStatus> => {
    const call = { callId: toolCall.toolCallId, toolName: toolCall.toolName, input: toolCall.input };
    if (options.when && !(await options.when(call))) return 'not-applicable';
    // Only a wrapped tool the SDK runs here runs the input as approved: a tool passed unwrapped, or one
    // without `execute` (its result comes from elsewhere, for the input as asked), is not offered for editing.
    const running = tools?.[call.toolName];
    const decision = await decideToolCall(gl, call, 'ai-sdk', { ...options, editInput: edited !== null && running !== undefined && edited.wrapped.has(running) });
    edited?.calls.delete(call.callId);
    if (!decision.approved) return { type: 'denied', reason: decision.reason! };
    if (edited && decision.edits.length > 0) {
      // The changed input is checked as the SDK checks a model's: by the tool's own input schema.
      const schema = edited.tools[call.toolName]?.inputSchema;
      // `ai` is an optional peer: loaded here, where a caller of greenlightTools has it, so the module imports without it.
      const check = schema ? await (await import('ai')).asSchema(schema).validate?.(decision.input) : undefined;
      if (check && !check.success) return { type: 'denied', reason: invalidEdit(decision, check.error.message) };
      edited.calls.set(call.callId, check?.success ? { ...decision, input: check.value } : decision);
    }
    return { type: 'approved', ...(decision.reason ? { reason: decision.reason } : {}) };
  };
}

type ModelOutput = Awaited<ReturnType<NonNullable<Tool['toModelOutput']>>>;

/** The SDK's own conversion of a tool's output for the model (a string as text, anything else as JSON), with a note first. */
function withNote(output: ModelOutput, note: string): ModelOutput {
  switch (output.type) {
    case 'text':
      return { ...output, value: `${note}\n\n${output.value}` };
    case 'json':
      return { ...output, value: { greenlight: note, output: output.value } };
    case 'content':
      return { ...output, value: [{ type: 'text', text: note }, ...output.value] };
    default:
      return output;
  }
}

/**
 * The tools and the `toolApproval` for them, together, so a reviewer may change a call's arguments
 * before approving: each request marks the call's top-level input fields editable, an approved call
 * runs with the input as approved (checked against the tool's input schema first: changed input the
 * tool would refuse denies the call), and the model's tool result starts with what the reviewer
 * changed. The tools are the same tools otherwise.
 *
 * ```ts
 * const { tools, toolApproval } = greenlightTools(gl, { sendEmail, runQuery });
 * const result = await generateText({ model, tools, toolApproval, prompt });
 * ```
 */
export function greenlightTools<TOOLS extends ToolSet, RUNTIME_CONTEXT = unknown>(
  gl: Greenlight,
  tools: TOOLS,
  options: ToolApprovalOptions = {},
): { tools: TOOLS; toolApproval: ToolApprovalConfiguration<TOOLS, RUNTIME_CONTEXT> } {
  const calls: Edited = new Map();
  const ours = new WeakSet<object>();
  const wrapped = Object.fromEntries(
    Object.entries(tools).map(([name, tool]) => {
      const execute = tool.execute;
      if (!execute) return [name, tool];
      const toModelOutput = tool.toModelOutput;
      const own: Tool = {
        ...tool,
        execute: (input: unknown, opts: { toolCallId: string }) => execute(calls.get(opts.toolCallId)?.input ?? input, opts as never),
        toModelOutput: async (out: { toolCallId: string; input: unknown; output: unknown }): Promise<ModelOutput> => {
          const decision = calls.get(out.toolCallId);
          const input = decision?.input ?? out.input;
          const base: ModelOutput = toModelOutput
            ? await toModelOutput({ ...out, input } as never)
            : typeof out.output === 'string'
              ? { type: 'text', value: out.output }
              : { type: 'json', value: (out.output ?? null) as never };
          return decision?.changed ? withNote(base, decision.changed) : base;
        },
      } as Tool;
      ours.add(own);
      return [name, own];
    }),
  ) as TOOLS;
  return { tools: wrapped, toolApproval: approvalFunction(gl, options, { tools, wrapped: ours, calls }) };
}
