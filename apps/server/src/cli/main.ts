// `pnpm greenlight …`: the admin command line (run-cli.ts), and the commands for automations that
// talk to a server over HTTP (request, wait, …), which are @greenlight/client's own implementation.
import { AUTOMATION_COMMANDS, helpText, isCommandOf, processIo, runCommandLine, type CommandTable } from '@greenlight/client/cli';
import { main as runMcp } from '@greenlight/mcp';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { sendToAdminSocket } from '../admin/admin-client.ts';
import { adminSocketPath } from '../admin/protocol.ts';
import { runCli } from './run-cli.ts';
import { directDatabase } from './direct.ts';
import type { CliResult } from './result.ts';
import { dataDirOwner } from '../storage/data-dir-lock.ts';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * File arguments made absolute here, where they were typed: the command may run inside the server
 * (admin socket), whose working directory is its own.
 */
function absoluteFileArgs(argv: string[]): string[] {
  const out = [...argv];
  if (out[0] === 'backup' || out[0] === 'export') {
    for (let i = 1; i < out.length; i++) {
      if (out[i] === '--out' && i + 1 < out.length) out[i + 1] = resolve(out[i + 1]!);
      else if (out[i]!.startsWith('--out=')) out[i] = `--out=${resolve(out[i]!.slice('--out='.length))}`;
    }
  }
  if (out[0] === 'restore') {
    const i = out.findIndex((a, n) => n > 0 && !a.startsWith('-'));
    if (i > 0) out[i] = resolve(out[i]!);
  }
  return out;
}

async function main(rawArgv: string[]): Promise<CliResult> {
  const argv = absoluteFileArgs(rawArgv);
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) return { exitCode: 78, stdout: '', stderr: `${err.message}\n` }; // EX_CONFIG
    throw err;
  }
  // A running server owns its PGlite directory: ask it first. Postgres takes any number of clients.
  if (!config.DATABASE_URL) {
    // A server that is starting holds the directory's lock before its socket listens: wait for the socket.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const viaServer = await sendToAdminSocket(adminSocketPath(config), argv);
        if (viaServer) return viaServer;
      } catch (err) {
        return { exitCode: 1, stdout: '', stderr: `error: ${err instanceof Error ? err.message : String(err)}\n` };
      }
      const owner = dataDirOwner(resolve(config.GREENLIGHT_DATA_DIR));
      if (owner === null) break;
      if (Date.now() > deadline) {
        return { exitCode: 1, stdout: '', stderr: `error: Greenlight (pid ${owner}) owns ${config.GREENLIGHT_DATA_DIR} but does not answer on its admin socket\n` };
      }
      await sleep(250);
    }
  }
  return runCli(argv, { config, withDatabase: directDatabase(config) });
}

/**
 * Commands that reach a server over HTTP with GREENLIGHT_URL and GREENLIGHT_API_KEY, whatever this
 * machine's database: they never open it nor its admin socket. A new one is one more entry here.
 */
const REMOTE_COMMANDS: CommandTable = {
  ...AUTOMATION_COMMANDS,
  mcp: {
    summary: 'serve the approval tools to an MCP client (Claude Desktop, Claude Code, …) over stdin/stdout',
    usage: 'Usage: greenlight mcp\n\nThe same server as greenlight-mcp (@greenlight/mcp): MCP messages on stdin/stdout until stdin closes.\n',
    // MCP speaks over the process's own streams, which the command's io does not wrap.
    run: (args, io) => runMcp(args, { env: { ...io.env } }),
  },
};

const argv = process.argv.slice(2);
if (isCommandOf(REMOTE_COMMANDS, argv) || (argv[0] === 'help' && isCommandOf(REMOTE_COMMANDS, argv.slice(1)))) {
  process.exitCode = await runCommandLine(argv, processIo(), REMOTE_COMMANDS);
} else {
  const result = await main(argv);
  const askedForHelp = argv.length === 1 && ['--help', '-h', 'help'].includes(argv[0]!);
  process.stdout.write(askedForHelp ? `${result.stdout}\n${helpText(REMOTE_COMMANDS)}` : result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
