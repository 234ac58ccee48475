// `greenlight-admin …` (`pnpm greenlight-admin …` in the repository): the admin command line of a
// Greenlight install (run-cli.ts). Automations have their own program, `greenlight` (@greenlight/client).
import { AUTOMATION_COMMANDS, isCommandOf } from '@greenlight/client/cli';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { sendToAdminSocket } from '../admin/admin-client.ts';
import { adminSocketPath } from '../admin/protocol.ts';
import { runCli } from './run-cli.ts';
import { directDatabase } from './direct.ts';
import { EXIT, type CliResult } from './result.ts';
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

const argv = process.argv.slice(2);
// The automation CLI is another program, `greenlight` (@greenlight/client): one name per program.
if (isCommandOf(AUTOMATION_COMMANDS, argv)) {
  process.stderr.write(
    `error: "${argv[0]}" is a command of greenlight, the command line for automations (@greenlight/client; \`pnpm greenlight ${argv[0]}\` in the repository), not of greenlight-admin\n`,
  );
  process.exitCode = EXIT.usage;
} else {
  const result = await main(argv);
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
