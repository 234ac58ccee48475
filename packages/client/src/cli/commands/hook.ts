import { randomUUID } from 'node:crypto';
import { CreateApprovalBody } from '@greenlight/contract';
import { hookOutput, runClaudeCodeHook, type ClaudeCodeHookOutput } from '../../agents/claude-code.ts';
import { EXIT } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import type { CliCommand } from '../registry.ts';
import { parse, parseDuration, remoteFrom, UsageError } from '../support.ts';
import { Interrupts } from '../waiting.ts';

/** Below Claude Code's default hook timeout (600 s), which lets the call through when it passes. */
export const DEFAULT_HOOK_TIMEOUT = '9m';

const USAGE = `Usage: greenlight hook claude-code [--tools REGEX] [--timeout DURATION] [--revocable-for DURATION] [--on-error deny|ask]

A Claude Code PreToolUse hook: reads the tool call Claude Code writes on stdin, asks Greenlight
(the tool, its input, and for Edit, MultiEdit and Write the file before and after), waits for the
decision, and answers Claude Code on stdout: "allow" when approved, "deny" with the reviewer's
reason otherwise. A call asked twice (the same session and tool_use_id) is one request.

It never lets a call through on an error: an unreachable server, a missing setting or a wait that
runs out answers "deny" (or "ask": Claude Code's own prompt, with --on-error ask). A request whose
wait ran out is withdrawn. Keep --timeout below the hook's "timeout" in .claude/settings.json
(600 s by default), past which Claude Code runs the call without an answer.

Options (each also from the environment):
  --tools REGEX          tools to ask about, e.g. "Bash|Write|Edit|MultiEdit|mcp__.*" (GREENLIGHT_HOOK_TOOLS;
                         default: every tool the settings' matcher sends); others get no answer
  --timeout DURATION     how long to wait for a decision (GREENLIGHT_HOOK_TIMEOUT; default ${DEFAULT_HOOK_TIMEOUT})
  --revocable-for DURATION  a revoke window (GREENLIGHT_HOOK_REVOCABLE_FOR): an approval is answered "allow"
                         only once the window has closed, and a revoke within it answers "deny"; keep
                         --timeout plus the window below the hook's "timeout"
  --on-error deny|ask    the answer when Greenlight cannot be asked (GREENLIGHT_HOOK_ON_ERROR; default deny)

Environment: GREENLIGHT_URL and GREENLIGHT_API_KEY (a key with approvals:read and approvals:write).
`;

const OPTIONS = {
  tools: { type: 'string' },
  timeout: { type: 'string' },
  'revocable-for': { type: 'string' },
  'on-error': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The settings, flags before environment; a bad one is a UsageError (answered as a denial). */
function settingsOf(args: string[], env: CliIo['env']) {
  const { values } = parse(args, OPTIONS);
  const onError: string = values['on-error'] ?? (env.GREENLIGHT_HOOK_ON_ERROR?.trim() || 'deny');
  if (onError !== 'deny' && onError !== 'ask') throw new UsageError(`--on-error (GREENLIGHT_HOOK_ON_ERROR) is deny or ask, not "${onError}"`);
  const tools = values.tools ?? (env.GREENLIGHT_HOOK_TOOLS?.trim() || undefined);
  let pattern: RegExp | undefined;
  if (tools !== undefined) {
    try {
      // Matched against the whole tool name, as Claude Code's own matcher is.
      pattern = new RegExp(`^(?:${tools})$`);
    } catch (err) {
      throw new UsageError(`--tools (GREENLIGHT_HOOK_TOOLS) is not a regular expression: ${(err as Error).message}`);
    }
  }
  const timeout = parseDuration(values.timeout ?? (env.GREENLIGHT_HOOK_TIMEOUT?.trim() || DEFAULT_HOOK_TIMEOUT), '--timeout (GREENLIGHT_HOOK_TIMEOUT)');
  const revocable = values['revocable-for'] ?? (env.GREENLIGHT_HOOK_REVOCABLE_FOR?.trim() || undefined);
  const revocableFor = revocable === undefined ? undefined : parseDuration(revocable, '--revocable-for (GREENLIGHT_HOOK_REVOCABLE_FOR)');
  const window = CreateApprovalBody.shape.revocable_for_seconds.safeParse(revocableFor);
  if (!window.success) throw new UsageError(`--revocable-for (GREENLIGHT_HOOK_REVOCABLE_FOR): ${window.error.issues[0]!.message}`);
  return { help: values.help === true, onError: onError as 'deny' | 'ask', tools: pattern, timeout, revocableFor };
}

async function claudeCode(args: string[], io: CliIo): Promise<number> {
  const answer = (output: ClaudeCodeHookOutput | null): number => {
    if (output) io.stdout(`${JSON.stringify(output)}\n`);
    return EXIT.ok;
  };
  let onError: 'deny' | 'ask' = 'deny';
  const interrupts = new Interrupts(io);
  try {
    const settings = settingsOf(args, io.env);
    onError = settings.onError;
    if (settings.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const remote = remoteFrom(io.env);
    const raw = await io.readStdin();
    return answer(
      await runClaudeCodeHook(remote.client, raw, {
        timeout: settings.timeout,
        ...(settings.tools ? { tools: settings.tools } : {}),
        ...(settings.revocableFor !== undefined ? { revocableFor: settings.revocableFor } : {}),
        onError,
        signal: interrupts.signal,
        pageOf: remote.pageOf,
        newId: randomUUID,
        warn: (line) => io.stderr(line),
      }),
    );
  } catch (err) {
    // A setting missing or wrong: Claude Code must still get an answer that does not run the call.
    io.stderr(`greenlight hook claude-code: ${(err as Error).message}\n`);
    return answer(hookOutput(onError, `Greenlight hook is not set up, so the call was not sent for approval: ${(err as Error).message}`));
  } finally {
    interrupts.dispose();
  }
}

export const hookCommand: CliCommand = {
  summary: 'an agent hook: "greenlight hook claude-code" asks Greenlight before each Claude Code tool call',
  usage: USAGE,
  async run(args, io) {
    const [agent, ...rest] = args;
    if (agent === 'claude-code') return claudeCode(rest, io);
    if (agent === undefined || agent === '--help' || agent === '-h' || agent === 'help') {
      io.stdout(USAGE);
      return agent === undefined ? EXIT.error : EXIT.ok;
    }
    io.stderr(`error: unknown hook "${agent}" (greenlight hook claude-code)\n`);
    return EXIT.error;
  },
};
