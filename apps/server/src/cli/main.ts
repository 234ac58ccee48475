// `pnpm greenlight …`: the admin command line. See run-cli.ts for the commands.
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { sendToAdminSocket } from '../admin/admin-client.ts';
import { adminSocketPath } from '../admin/protocol.ts';
import { runCli } from './run-cli.ts';
import { directDatabase } from './direct.ts';
import type { CliResult } from './result.ts';

async function main(argv: string[]): Promise<CliResult> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) return { exitCode: 78, stdout: '', stderr: `${err.message}\n` }; // EX_CONFIG
    throw err;
  }
  // A running server owns its PGlite directory: ask it first. Postgres takes any number of clients.
  if (!config.DATABASE_URL) {
    try {
      const viaServer = await sendToAdminSocket(adminSocketPath(config), argv);
      if (viaServer) return viaServer;
    } catch (err) {
      return { exitCode: 1, stdout: '', stderr: `error: ${err instanceof Error ? err.message : String(err)}\n` };
    }
  }
  return runCli(argv, { config, withDatabase: directDatabase(config) });
}

const result = await main(process.argv.slice(2));
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
