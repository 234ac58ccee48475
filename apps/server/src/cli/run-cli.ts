import { Command, CommanderError } from 'commander';
import type { z } from 'zod';
import type { Config } from '../config.ts';
import type { Database } from '../storage/database.ts';
import { EXIT, failed, usage, type CliResult } from './result.ts';
import { InitArgs, initCommand } from './commands/init.ts';
import { ConnectionCreateArgs, connectionCreateCommand } from './commands/connection-create.ts';
import { ConnectionListArgs, connectionListCommand } from './commands/connection-list.ts';
import { ConnectionRevokeArgs, connectionRevokeCommand } from './commands/connection-revoke.ts';
import { EmergencyStopArgs, emergencyStopCommand } from './commands/emergency-stop.ts';
import { OAuthClientCreateArgs, oauthClientCreateCommand } from './commands/oauth-client-create.ts';
import { OAuthClientListArgs, oauthClientListCommand } from './commands/oauth-client-list.ts';
import { UserSignInLinkArgs, userSignInLinkCommand } from './commands/user-sign-in-link.ts';
import { BackupArgs, backupCommand } from './commands/backup.ts';
import { RestoreArgs, restoreCommand } from './commands/restore.ts';
import { ExportArgs, exportCommand } from './commands/export.ts';
import { ConnectionRotateArgs, connectionRotateCommand, OAuthClientRotateArgs, oauthClientRotateCommand } from './commands/credential-rotate.ts';
import { AuditRotateKeyArgs, auditRotateKeyCommand } from './commands/audit-rotate-key.ts';

/**
 * How a command reaches the database. The CLI process opens it only once the arguments are
 * valid (and closes it after); the admin socket lends the server's own instance.
 */
export type WithDatabase = <T>(fn: (db: Database) => Promise<T>) => Promise<T>;

export interface CliContext {
  config: Config;
  withDatabase: WithDatabase;
}

type CommandFn<S extends z.ZodType> = (db: Database, config: Config, args: z.output<S>) => Promise<CliResult>;

/** How an argument is named in messages: `--org` for options, the placeholder for positional arguments. */
const label = (key: string, positional: Record<string, string>) => positional[key] ?? `--${key}`;

const fullName = (cmd: Command): string => (cmd.parent ? `${fullName(cmd.parent)} ${cmd.name()}` : cmd.name());

/**
 * Parses `argv` (without the node and script paths) and runs one command. Never throws and never
 * touches the process (exit code, stdout): both the CLI process and the admin socket print the result.
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  let result: CliResult | undefined;

  /** Validates what commander collected with the command's zod schema, then runs it against the database. */
  const action =
    <S extends z.ZodType>(
      schema: S,
      run: CommandFn<S> | { withoutDatabase: (config: Config, args: z.output<S>) => Promise<CliResult> },
      collect: (args: string[], opts: Record<string, unknown>) => unknown,
      positional: Record<string, string> = {},
    ) =>
    async (...received: unknown[]) => {
      const cmd = received.at(-1) as Command;
      const parsed = schema.safeParse(collect(cmd.processedArgs as string[], cmd.opts()));
      if (!parsed.success) {
        const lines = parsed.error.issues.map((i) => `error: ${label(String(i.path[0] ?? ''), positional)}: ${i.message}`);
        result = usage(`${lines.join('\n')}\n(run "${fullName(cmd)} --help" for usage)`);
        return;
      }
      // A command that makes the database (restore) must not open one first.
      if (typeof run !== 'function') result = await run.withoutDatabase(ctx.config, parsed.data);
      else result = await ctx.withDatabase((db) => run(db, ctx.config, parsed.data));
    };

  const program = new Command('greenlight-admin')
    .description('Administer Greenlight: orgs, connections (API keys), OAuth clients and the emergency stop.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        stdout += s;
      },
      writeErr: (s) => {
        stderr += s;
      },
    })
    .showHelpAfterError('(add --help for usage)');

  program
    .command('init')
    .description('Create an org and its first admin; prints a one-time sign-in link for that admin')
    .option('--org <name>', 'display name of the org, e.g. "Acme Corp"')
    .option('--admin-email <email>', 'email of the first admin')
    .option('--slug <slug>', 'URL-safe id of the org (default: derived from --org)')
    .action(action(InitArgs, initCommand, (_args, o) => ({ org: o.org, 'admin-email': o.adminEmail, slug: o.slug })));

  const connection = program.command('connection').description('Manage the API keys automations use');
  connection
    .command('create')
    .description('Create a connection and print its API key (shown once)')
    .option('--org <slug>', 'org slug')
    .option('--name <name>', 'what the key is for, e.g. "zapier-prod"')
    .option('--scopes <list>', 'comma-separated: approvals:read, approvals:write, comments:write (default: all)')
    .option('--rate-limit <n>', 'requests per hour, 1–10000, or N/min or N/hour (default: 100/hour)')
    .option('--expires-at <time>', 'when the key stops working, ISO 8601 with offset, e.g. 2027-01-31T00:00:00Z (default: never)')
    .option('--expires-in <duration>', 'the same as a duration from now: 90d, 12h, 30m, 1w')
    .option('--json', 'print one JSON object (api_key, id, name, scopes, rate_limit, rate_limit_window, org, expires_at)')
    .action(
      action(ConnectionCreateArgs, connectionCreateCommand, (_args, o) => ({
        org: o.org,
        name: o.name,
        scopes: o.scopes,
        'rate-limit': o.rateLimit,
        'expires-at': o.expiresAt,
        'expires-in': o.expiresIn,
        json: o.json === true,
      })),
    );
  connection
    .command('list')
    .description("List an org's connections (keys are never shown again, only their prefix)")
    .option('--org <slug>', 'org slug')
    .option('--json', 'print one JSON object {org, data: [...]}')
    .action(action(ConnectionListArgs, connectionListCommand, (_args, o) => ({ org: o.org, json: o.json === true })));
  connection
    .command('revoke')
    .description('Revoke a connection; its key fails from the next request on')
    .argument('<id>', 'connection id (see "connection list")')
    .option('--org <slug>', 'org slug')
    .action(action(ConnectionRevokeArgs, connectionRevokeCommand, ([id], o) => ({ org: o.org, id }), { id: '<id>' }));
  connection
    .command('rotate')
    .description('Issue a new API key in place of one; the old key keeps working for the overlap, then stops')
    .argument('<id>', 'connection id (see "connection list")')
    .option('--org <slug>', 'org slug')
    .option('--overlap <duration>', 'how long the old key keeps working: 24h, 30m, 7d, 0m (default 24h, at most 30d)')
    .option('--json', 'print one JSON object (api_key, id, name, expires_at, previous: {id, expires_at})')
    .action(
      action(
        ConnectionRotateArgs,
        (db, _config, args) => connectionRotateCommand(db, args),
        ([id], o) => ({ org: o.org, id, overlap: o.overlap, json: o.json === true }),
        { id: '<id>' },
      ),
    );

  program
    .command('emergency-stop')
    .description('Refuse (on) or allow again (off) every change to approval requests of an org')
    .argument('<on|off>', '"on" or "off"')
    .option('--org <slug>', 'org slug')
    .action(action(EmergencyStopArgs, emergencyStopCommand, ([state], o) => ({ state, org: o.org }), { state: '<on|off>' }));

  const user = program.command('user').description("Help a member back into their account");
  user
    .command('sign-in-link')
    .description('Print a one-time sign-in link for a member who lost their password (the link clears it; they choose a new one)')
    .option('--org <slug>', 'org slug')
    .option('--email <email>', "the member's email")
    .action(action(UserSignInLinkArgs, userSignInLinkCommand, (_args, o) => ({ org: o.org, email: o.email })));

  const oauthClient = program.command('oauth-client').description('Register the OAuth clients of Zapier, Make, n8n…');
  oauthClient
    .command('create')
    .description('Register an OAuth client and print its client_id and client_secret (the secret is shown once)')
    .option('--org <slug>', 'org slug')
    .option('--name <name>', 'shown to users on the consent page, e.g. "Zapier"')
    .option('--redirect-uri <uri>', 'exact redirect URI; repeat for several (https, or http for localhost)', (v: string, prev?: string[]) => [...(prev ?? []), v])
    .option('--scopes <list>', 'comma-separated scopes the client may ask for (default: all)')
    .option('--rate-limit <n>', 'requests per hour of each grant, 1–10000, or N/min or N/hour (default: 100/hour)')
    .option('--expires-at <time>', 'when the client stops working, ISO 8601 with offset (default: never)')
    .option('--expires-in <duration>', 'the same as a duration from now: 90d, 12h, 30m, 1w')
    .option('--json', 'print one JSON object (client_id, client_secret, id, name, redirect_uris, scopes, rate_limit, rate_limit_window, org, expires_at)')
    .action(
      action(
        OAuthClientCreateArgs,
        (db, _config, args) => oauthClientCreateCommand(db, args),
        (_args, o) => ({
          org: o.org,
          name: o.name,
          'redirect-uri': o.redirectUri,
          scopes: o.scopes,
          'rate-limit': o.rateLimit,
          'expires-at': o.expiresAt,
          'expires-in': o.expiresIn,
          json: o.json === true,
        }),
      ),
    );
  oauthClient
    .command('list')
    .description("List an org's OAuth clients, or the self-registered ones nobody has authorized yet (in no org; deleted after a day)")
    .option('--org <slug>', 'org slug: its clients, as its admins see them')
    .option('--unauthorized', 'instead: every client that registered itself and that no member has authorized yet')
    .option('--json', 'print one JSON object {data: [...]}')
    .action(
      action(
        OAuthClientListArgs,
        (db, _config, args) => oauthClientListCommand(db, args),
        (_args, o) => ({ org: o.org, unauthorized: o.unauthorized === true, json: o.json === true }),
      ),
    );

  oauthClient
    .command('rotate-secret')
    .description("Issue a new client secret for an OAuth client; the previous one keeps working for the overlap, then stops")
    .argument('<id>', 'OAuth client id (see "oauth-client list")')
    .option('--org <slug>', 'org slug')
    .option('--overlap <duration>', 'how long the previous secret keeps working: 24h, 30m, 7d, 0m (default 24h, at most 30d)')
    .option('--json', 'print one JSON object (id, client_id, client_secret, previous_secret_expires_at)')
    .action(
      action(
        OAuthClientRotateArgs,
        (db, _config, args) => oauthClientRotateCommand(db, args),
        ([id], o) => ({ org: o.org, id, overlap: o.overlap, json: o.json === true }),
        { id: '<id>' },
      ),
    );

  const audit = program.command('audit').description("The audit ledger's signing key");
  audit
    .command('rotate-key')
    .description('Sign audit ledger exports with a new Ed25519 key from now on; older keys stay published so older exports still verify')
    .option('--json', 'print one JSON object (kid, retired)')
    .action(action(AuditRotateKeyArgs, (db, _config, args) => auditRotateKeyCommand(db, args), (_args, o) => ({ json: o.json === true })));

  program
    .command('backup')
    .description('Copy the embedded database to a file, consistent while the server runs (PostgreSQL: use pg_dump)')
    .option('--out <file>', 'where to write the backup')
    .action(action(BackupArgs, (db, _config, args) => backupCommand(db, args), (_args, o) => ({ out: o.out })));

  program
    .command('restore')
    .description('Load a backup into GREENLIGHT_DATA_DIR, which must hold no database yet and no running server')
    .argument('<file>', 'a file written by "greenlight-admin backup"')
    .action(
      action(RestoreArgs, { withoutDatabase: restoreCommand }, ([file]) => ({ file }), { file: '<file>' }),
    );

  program
    .command('export')
    .description("Write an org's requests created since a date, each with its events, as JSON Lines (to archive them before retention removes them)")
    .option('--org <slug>', 'org slug')
    .option('--since <date>', 'a date or ISO 8601 time, e.g. 2026-01-01')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(action(ExportArgs, (db, _config, args) => exportCommand(db, args), (_args, o) => ({ org: o.org, since: o.since, out: o.out })));

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const shownHelp = err.code === 'commander.helpDisplayed' || (err.code === 'commander.help' && err.exitCode === 0);
      return { exitCode: shownHelp || err.code === 'commander.version' ? EXIT.ok : EXIT.usage, stdout, stderr };
    }
    const message = err instanceof Error ? err.message : String(err);
    return { ...failed(message), stdout };
  }
  return result ?? { exitCode: EXIT.ok, stdout, stderr };
}
