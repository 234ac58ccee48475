import { EXIT } from './exit-codes.ts';
import type { CliIo } from './io.ts';

/** One subcommand of `greenlight`: `run` gets the arguments after its name and answers the exit code. */
export interface CliCommand {
  /** One line for `greenlight help`. */
  summary: string;
  /** What `greenlight <name> --help` prints. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Subcommands by name. A host adds its own by spreading this table into a bigger one. */
export type CommandTable = Readonly<Record<string, CliCommand>>;

export function helpText(commands: CommandTable): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return (
    'Commands for scripts, CI and agents, against a Greenlight server\n' +
    '(GREENLIGHT_URL and GREENLIGHT_API_KEY from the environment):\n\n' +
    `${lines.join('\n')}\n\n` +
    'Exit codes: 0 approved (or done), 1 rejected, 2 expired or cancelled, 3 timed out waiting, 4 usage or API error;\n' +
    '130 / 143 when interrupted by Ctrl-C / SIGTERM. "greenlight <command> --help" for each command\'s options.\n'
  );
}

/** Whether `argv` names a command of the table (the server's CLI hands those over, keeps the rest). */
export function isCommandOf(commands: CommandTable, argv: readonly string[]): boolean {
  const name = argv[0];
  return name !== undefined && Object.hasOwn(commands, name);
}

/** `greenlight <command> …`: runs one command of the table; never throws. */
export async function runCommandLine(argv: readonly string[], io: CliIo, commands: CommandTable): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && Object.hasOwn(commands, topic)) io.stdout(commands[topic]!.usage);
    else io.stdout(`Usage: greenlight <command> [options]\n\n${helpText(commands)}`);
    return name === undefined ? EXIT.error : EXIT.ok;
  }
  if (!Object.hasOwn(commands, name)) {
    io.stderr(`error: unknown command "${name}"\n\n${helpText(commands)}`);
    return EXIT.error;
  }
  try {
    return await commands[name]!.run(rest, io);
  } catch (err) {
    // Commands report their own errors; this is the backstop for a bug, still exit 4, never a stack trace alone.
    io.stderr(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.error;
  }
}
