/**
 * The `greenlight` command line for automations: request, run, wait, get, list, decide, cancel,
 * execution and the agent hook (hook claude-code), against a
 * Greenlight server over HTTP (GREENLIGHT_URL, GREENLIGHT_API_KEY); and `audit verify`, which checks a
 * ledger export offline. `bin.ts` runs it (the packed
 * package's `greenlight` bin; `pnpm greenlight` in the repository). The server's admin CLI is another
 * program, `greenlight-admin`.
 */
import { auditCommand } from './commands/audit.ts';
import { cancelCommand } from './commands/cancel.ts';
import { decideCommand } from './commands/decide.ts';
import { executionCommand } from './commands/execution.ts';
import { getCommand } from './commands/get.ts';
import { hookCommand } from './commands/hook.ts';
import { listCommand } from './commands/list.ts';
import { requestCommand } from './commands/request.ts';
import { runCommand } from './commands/run.ts';
import { waitCommand } from './commands/wait.ts';
import type { CommandTable } from './registry.ts';

export const AUTOMATION_COMMANDS: CommandTable = {
  request: requestCommand,
  run: runCommand,
  wait: waitCommand,
  get: getCommand,
  list: listCommand,
  decide: decideCommand,
  cancel: cancelCommand,
  execution: executionCommand,
  hook: hookCommand,
  audit: auditCommand,
};

export { EXIT, EXIT_ON_SIGNAL, exitCodeOf } from './exit-codes.ts';
export { processIo, type CliIo, type StopSignal } from './io.ts';
export { helpText, isCommandOf, runCommandLine, type CliCommand, type CommandTable } from './registry.ts';
export { remoteFrom, type Remote } from './support.ts';
