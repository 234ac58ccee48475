/**
 * Claude Code's PreToolUse hook (`greenlight hook claude-code`): Claude Code runs the hook command
 * before a tool call, with the call as JSON on stdin, and reads the hook's JSON answer on stdout.
 * Documented contract (Claude Code docs, "Hooks reference", PreToolUse):
 *
 * - input: `session_id`, `transcript_path`, `cwd`, `permission_mode`, `hook_event_name`
 *   ("PreToolUse"), `tool_name`, `tool_input` (the tool's arguments; file paths are absolute),
 *   `tool_use_id`;
 * - output, exit 0: `{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision":
 *   "allow" | "deny" | "ask", "permissionDecisionReason": "…"}}`; a denial's reason is shown to
 *   Claude, an "ask" falls back to Claude Code's own permission prompt; with "allow", `updatedInput`
 *   replaces the tool's input before it runs (the whole input object) and `additionalContext` is
 *   added to Claude's context: how a reviewer's edits of the call reach the tool and Claude;
 * - a hook that exits non-zero other than 2, or runs past its `timeout` (600 s by default), does NOT
 *   block the call. So this hook never fails that way: every error is answered as a denial (or
 *   "ask"), on stdout with exit 0, and its own wait ends before Claude Code's timeout would.
 *
 * Each gated call becomes a Greenlight request through `decideToolCall` (the one definition every
 * adapter shares): the tool's name and input, the session, and for Edit, MultiEdit and Write the
 * file before and after as `changes`. `session_id:tool_use_id` is the idempotency key, so the same
 * call asked twice (a retried hook) finds the first request.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from '@greenlight/contract';
import type { Greenlight } from '../client.ts';
import type { BodyOf } from '../types.ts';
import { decideToolCall, type ToolCall, type ToolDecision } from './tool-approval.ts';

/** What Claude Code writes on the hook's stdin (the fields this hook reads; others pass). */
export const ClaudeCodeHookInput = z.looseObject({
  session_id: z.string().min(1),
  transcript_path: z.string().optional(),
  cwd: z.string().optional(),
  permission_mode: z.string().optional(),
  hook_event_name: z.string().optional(),
  tool_name: z.string().min(1),
  tool_input: z.record(z.string(), z.unknown()),
  tool_use_id: z.string().min(1).optional(),
});
export type ClaudeCodeHookInput = z.infer<typeof ClaudeCodeHookInput>;

export type PermissionDecision = 'allow' | 'deny' | 'ask';

/** The hook's answer, as Claude Code's PreToolUse documents it. */
export interface ClaudeCodeHookOutput {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: PermissionDecision;
    permissionDecisionReason: string;
    /** With "allow": the input the tool runs with, in place of the one Claude gave (a reviewer edited it). */
    updatedInput?: Record<string, unknown>;
    /** Told to Claude before the tool runs: what the reviewer changed. */
    additionalContext?: string;
  };
}

export function hookOutput(
  permissionDecision: PermissionDecision,
  permissionDecisionReason: string,
  edited?: { updatedInput: Record<string, unknown>; additionalContext: string },
): ClaudeCodeHookOutput {
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision, permissionDecisionReason, ...edited } };
}

export interface ClaudeCodeHookOptions {
  /** Seconds to wait for a decision before denying (the hook's own deadline, below Claude Code's `timeout`). */
  timeout: number;
  /** Tool names to ask about; others get no answer from this hook (Claude Code's own permissions apply). */
  tools?: RegExp;
  /** What an error (server unreachable, bad input) answers: deny (default) or ask, never allow. */
  onError?: 'deny' | 'ask';
  /**
   * A revoke window for each request, in seconds: a reviewer who approved may take the approval back
   * for that long. The hook answers "allow" only once the window has closed with the approval
   * standing (Claude Code runs the tool as soon as it is allowed, so the hook cannot claim the
   * approval later); a revoke within it answers "deny".
   */
  revocableFor?: number;
  signal?: AbortSignal;
}

/**
 * Characters kept of one string of a tool's input or of a file shown as `changes`. The API refuses
 * strings over 20,000 characters; an approver reads an excerpt, and is told that it is one.
 */
const STRING_SHOWN = 8_000;
/** Lines of context kept around what an edit changes, when the file is too long to show whole. */
const CONTEXT_LINES = 5;

/** Text the API accepts: no NUL, no lone surrogate (a binary file read as text has both). */
const wellFormed = (s: string): string => s.replaceAll('\u0000', '\uFFFD').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

function clip(s: string, max = STRING_SHOWN): string {
  const clean = wellFormed(s);
  return clean.length <= max ? clean : `${clean.slice(0, max)}\n… [${clean.length - max} more characters not shown]`;
}

/** The tool input as the approver sees it: every long string clipped (and said so). */
function shownInput(value: unknown, max: number): unknown {
  if (typeof value === 'string') return clip(value, max);
  if (Array.isArray(value)) return value.map((v) => shownInput(v, max));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shownInput(v, max)]));
  return value;
}

const EditInput = z.object({ old_string: z.string(), new_string: z.string(), replace_all: z.boolean().optional() });
const FILE_TOOLS = {
  Write: z.looseObject({ file_path: z.string().min(1), content: z.string() }),
  Edit: z.looseObject({ file_path: z.string().min(1), ...EditInput.shape }),
  MultiEdit: z.looseObject({ file_path: z.string().min(1), edits: z.array(EditInput).min(1) }),
} as const;

/** One edit applied as Claude Code applies it: the first occurrence, or every one with `replace_all`; null when absent. */
function applyEdit(text: string, edit: z.infer<typeof EditInput>): string | null {
  if (!text.includes(edit.old_string) || edit.old_string === '') return edit.old_string === '' && text === '' ? edit.new_string : null;
  return edit.replace_all ? text.split(edit.old_string).join(edit.new_string) : text.replace(edit.old_string, () => edit.new_string);
}

/**
 * The part of a long file that an edit touches, with a few lines around it, before and after: the
 * lines between the longest common prefix and suffix of the two versions.
 */
function excerpt(before: string, after: string): { before: string; after: string; lines: string } {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const from = Math.max(0, head - CONTEXT_LINES);
  const toA = Math.min(a.length, a.length - tail + CONTEXT_LINES);
  const toB = Math.min(b.length, b.length - tail + CONTEXT_LINES);
  return { before: clip(a.slice(from, toA).join('\n')), after: clip(b.slice(from, toB).join('\n')), lines: `lines ${from + 1}–${Math.max(toA, toB)}` };
}

/** Where a path is shown: relative to the session's directory when inside it. */
function shownPath(path: string, cwd: string | undefined): string {
  if (!cwd) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * `changes` of a file tool: the file as it is now (read from disk) and as the call would leave it.
 * Null for other tools, and when the input is not what the tool takes. A file too long to show
 * whole is shown as the lines the call changes; a file that is not text is named, not shown.
 */
export async function fileChanges(input: ClaudeCodeHookInput): Promise<{ changes: NonNullable<BodyOf<'createApproval'>['changes']>; path: string; note?: string } | null> {
  if (!Object.hasOwn(FILE_TOOLS, input.tool_name)) return null;
  const schema = FILE_TOOLS[input.tool_name as keyof typeof FILE_TOOLS];
  const parsed = schema.safeParse(input.tool_input);
  if (!parsed.success) return null;
  const path = isAbsolute(parsed.data.file_path) ? parsed.data.file_path : resolve(input.cwd ?? process.cwd(), parsed.data.file_path);
  const field = shownPath(path, input.cwd);
  let current: string | null;
  try {
    current = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { changes: { before: { [field]: `[not readable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}]` }, after: null }, path, note: 'the file could not be read' };
    }
    current = null;
  }
  if (current !== null && current.includes('\u0000')) {
    return { changes: { before: { [field]: `[binary file, ${Buffer.byteLength(current)} bytes]` }, after: null }, path, note: 'the file is not text' };
  }
  let next: string | null;
  if (input.tool_name === 'Write') next = (parsed.data as z.infer<(typeof FILE_TOOLS)['Write']>).content;
  else {
    const edits = input.tool_name === 'Edit' ? [parsed.data as z.infer<typeof EditInput>] : (parsed.data as z.infer<(typeof FILE_TOOLS)['MultiEdit']>).edits;
    next = current ?? '';
    for (const edit of edits) {
      next = applyEdit(next, edit);
      if (next === null) break;
    }
  }
  if (next === null) {
    return { changes: { before: current === null ? null : { [field]: clip(current) }, after: null }, path, note: 'the text to replace is not in the file: the edit would fail' };
  }
  if (current === null) return { changes: { before: null, after: { [field]: clip(next) } }, path, ...(next.length > STRING_SHOWN ? { note: 'a new file, its beginning shown' } : {}) };
  if (current.length <= STRING_SHOWN && next.length <= STRING_SHOWN) return { changes: { before: { [field]: wellFormed(current) }, after: { [field]: wellFormed(next) } }, path };
  const part = excerpt(current, next);
  const key = `${field} (${part.lines})`;
  return { changes: { before: { [key]: part.before }, after: { [key]: part.after } }, path, note: `the file is long: ${part.lines} shown` };
}

/** The first line of what a call does, for the request's title. */
function headline(input: ClaudeCodeHookInput, path: string | undefined): string {
  const i = input.tool_input;
  const first = (v: unknown) => (typeof v === 'string' ? v.split('\n').find((l) => l.trim() !== '')?.trim() : undefined);
  const what = path ? shownPath(path, input.cwd) : (first(i.command) ?? first(i.url) ?? first(i.query) ?? first(i.pattern) ?? first(i.description));
  const title = `Claude Code: ${input.tool_name}${what ? ` ${what}` : ''}`.replace(/[\r\n\t]+/g, ' ');
  return title.length > 200 ? `${title.slice(0, 199)}…` : title;
}

/** The Greenlight request of one tool call: what the approver reads. */
export async function requestOfToolCall(input: ClaudeCodeHookInput): Promise<Partial<BodyOf<'createApproval'>>> {
  const file = await fileChanges(input);
  const shown = shownInput(input.tool_input, file ? 2_000 : STRING_SHOWN);
  const lines = [
    `Claude Code asks to run the tool \`${input.tool_name}\`${input.cwd ? ` in \`${input.cwd}\`` : ''} (session ${input.session_id}${input.permission_mode ? `, permission mode ${input.permission_mode}` : ''}).`,
    '',
    'Input:',
    '',
    '```json',
    JSON.stringify(shown, null, 2),
    '```',
    ...(file ? ['', `The file before and after the call is under Changes${file.note ? ` (${file.note})` : ''}.`] : []),
    ...(JSON.stringify(shown) !== JSON.stringify(input.tool_input) ? ['', 'Long values are cut short here: reject if you cannot judge the call from what is shown.'] : []),
  ];
  return {
    title: headline(input, file?.path),
    description: clip(lines.join('\n'), 19_000),
    metadata: {
      tool: input.tool_name,
      call_id: input.tool_use_id ?? null,
      session_id: input.session_id,
      ...(input.cwd ? { cwd: input.cwd } : {}),
      ...(input.permission_mode ? { permission_mode: input.permission_mode } : {}),
      input: shown as never,
    },
    ...(file ? { changes: file.changes } : {}),
    ...(file && file.path.length <= 255 ? { resource: { type: 'file', id: file.path } } : {}),
  };
}

/** The call as `decideToolCall` takes it: `session:tool_use_id` is the framework's call id. */
export function toolCallOf(input: ClaudeCodeHookInput, fallbackId: () => string): ToolCall {
  return { callId: `${input.session_id}:${input.tool_use_id ?? fallbackId()}`, toolName: input.tool_name, input: input.tool_input };
}

/** Claude Code's answer for a decision: allow only an approval, with the reviewer's words either way. */
export function outputOfDecision(decision: ToolDecision, pageOf: (id: string) => string): ClaudeCodeHookOutput {
  if (decision.approved) {
    const reason = `Approved in Greenlight (${pageOf(decision.approvalId)})${decision.reason ? `: ${decision.reason}` : ''}`;
    if (decision.edits.length === 0) return hookOutput('allow', reason);
    // The hook's input is always an object (its schema says so), and so is the input with edits applied.
    return hookOutput('allow', `${reason}. ${decision.changed}`, { updatedInput: decision.input as Record<string, unknown>, additionalContext: decision.changed! });
  }
  return hookOutput('deny', `${decision.reason ?? 'Not approved in Greenlight.'} (${pageOf(decision.approvalId)})`);
}

/**
 * Runs the hook for one call: parses Claude Code's input, asks Greenlight, answers Claude Code.
 * Answers null when the tool is not gated (no opinion: Claude Code's own permissions apply). Never
 * throws for what a server or an input can do: those are answered with `onError` (deny by default).
 */
export async function runClaudeCodeHook(
  gl: Greenlight,
  raw: string,
  options: ClaudeCodeHookOptions & { pageOf: (id: string) => string; newId: () => string; warn?: (line: string) => void },
): Promise<ClaudeCodeHookOutput | null> {
  const onError = options.onError ?? 'deny';
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return hookOutput(onError, 'Greenlight hook: the hook input on stdin is not JSON; the call was not sent for approval.');
  }
  const parsed = ClaudeCodeHookInput.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return hookOutput(onError, `Greenlight hook: the hook input is not a PreToolUse call (${issue.path.join('.') || 'input'}: ${issue.message}); the call was not sent for approval.`);
  }
  const input = parsed.data;
  if (input.hook_event_name !== undefined && input.hook_event_name !== 'PreToolUse') {
    return hookOutput(onError, `Greenlight hook: configured for ${input.hook_event_name}, but it answers PreToolUse only.`);
  }
  if (options.tools && !options.tools.test(input.tool_name)) return null;
  if (!input.tool_use_id) options.warn?.('Greenlight hook: no tool_use_id in the hook input; this call is asked as a new request.\n');
  try {
    const request = await requestOfToolCall(input);
    const decision = await decideToolCall(gl, toolCallOf(input, options.newId), 'claude-code', {
      request: () => (options.revocableFor === undefined ? request : { ...request, revocable_for_seconds: options.revocableFor }),
      ...(options.revocableFor === undefined ? {} : { revokeWindow: 'wait' as const }),
      timeout: options.timeout,
      cancelOnTimeout: true,
      // Claude Code runs the tool with `updatedInput`: the reviewer may change the call's arguments.
      editInput: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return outputOfDecision(decision, options.pageOf);
  } catch (err) {
    return hookOutput(onError, `Greenlight could not be asked about this call, so it was not run: ${(err as Error).message}`);
  }
}
