/**
 * The `greenlight` command line for automations: request, get, wait, decide, cancel, list, against a
 * Greenlight server over HTTP (GREENLIGHT_URL, GREENLIGHT_API_KEY). `bin.ts` runs it on its own; the
 * server's `greenlight` CLI hands these commands to the same table.
 */
import { cancelCommand } from './commands/cancel.ts';
import { decideCommand } from './commands/decide.ts';
import { getCommand } from './commands/get.ts';
import { listCommand } from './commands/list.ts';
import { requestCommand } from './commands/request.ts';
import { waitCommand } from './commands/wait.ts';
import type { CommandTable } from './registry.ts';

export const AUTOMATION_COMMANDS: CommandTable = {
  request: requestCommand,
  wait: waitCommand,
  get: getCommand,
  list: listCommand,
  decide: decideCommand,
  cancel: cancelCommand,
};

export { EXIT, EXIT_ON_SIGNAL, exitCodeOf } from './exit-codes.ts';
export { processIo, type CliIo, type StopSignal } from './io.ts';
export { helpText, isCommandOf, runCommandLine, type CliCommand, type CommandTable } from './registry.ts';
