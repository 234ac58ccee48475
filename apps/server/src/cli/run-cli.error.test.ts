import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedOrg, testConfig, type SeededOrg, type TestDatabase } from '../testing/harness.ts';
import { runCli, type WithDatabase } from './run-cli.ts';

const config = testConfig();
/** Argument errors must be caught before any database is opened. */
const noDatabase: WithDatabase = () => {
  throw new Error('the database was opened for an invalid command');
};

describe('runCli — invalid arguments exit 2 without touching the database', () => {
  const uuid = randomUUID();
  it.each([
    ['init without --org', ['init', '--admin-email', 'a@example.test'], 'error: --org: is required'],
    ['init without --admin-email', ['init', '--org', 'Acme'], 'error: --admin-email: is required'],
    ['init with a bad email', ['init', '--org', 'Acme', '--admin-email', 'not-an-email'], 'error: --admin-email: must be an email address'],
    ['init with an empty name', ['init', '--org', '  ', '--admin-email', 'a@example.test'], 'error: --org: must not be empty'],
    [
      'init with a bad slug',
      ['init', '--org', 'Acme', '--admin-email', 'a@example.test', '--slug', 'Acme Corp'],
      'error: --slug: must be 1–63 lowercase letters, digits or dashes, starting with a letter or digit',
    ],
    [
      'init with a name that yields no slug',
      ['init', '--org', '!!!', '--admin-email', 'a@example.test'],
      'error: --slug: cannot derive a slug from "!!!"; pass --slug',
    ],
    ['connection create without --org', ['connection', 'create', '--name', 'zap'], 'error: --org: is required'],
    ['connection create without --name', ['connection', 'create', '--org', 'acme'], 'error: --name: is required'],
    ['connection create with a blank name', ['connection', 'create', '--org', 'acme', '--name', ' '], 'error: --name: must not be empty'],
    [
      'connection create with a malformed org slug',
      ['connection', 'create', '--org', 'Acme Corp', '--name', 'zap'],
      'error: --org: must be an org slug: lowercase letters, digits and dashes',
    ],
    [
      'an unknown scope',
      ['connection', 'create', '--org', 'acme', '--name', 'zap', '--scopes', 'approvals:read,admin'],
      'error: --scopes: unknown scope "admin"; known scopes: approvals:read, approvals:write, comments:write',
    ],
    [
      'no scope at all',
      ['connection', 'create', '--org', 'acme', '--name', 'zap', '--scopes', ','],
      'error: --scopes: must list at least one scope (approvals:read, approvals:write, comments:write)',
    ],
    ['a rate limit of 0', ['connection', 'create', '--org', 'acme', '--name', 'zap', '--rate-limit', '0'], 'error: --rate-limit: must be at least 1 request per hour'],
    [
      'a rate limit above 10000',
      ['connection', 'create', '--org', 'acme', '--name', 'zap', '--rate-limit', '10001'],
      'error: --rate-limit: must be at most 10000 requests per hour',
    ],
    [
      'a fractional rate limit',
      ['connection', 'create', '--org', 'acme', '--name', 'zap', '--rate-limit', '1.5'],
      'error: --rate-limit: must be a whole number of requests per hour, or N/min or N/hour',
    ],
    [
      'a non-numeric rate limit',
      ['connection', 'create', '--org', 'acme', '--name', 'zap', '--rate-limit', 'lots'],
      'error: --rate-limit: must be a whole number of requests per hour, or N/min or N/hour',
    ],
    ['connection list without --org', ['connection', 'list'], 'error: --org: is required'],
    [
      'connection revoke with a malformed id',
      ['connection', 'revoke', '--org', 'acme', 'zap'],
      'error: <id>: must be a connection id (a UUID, see "connection list")',
    ],
    ['connection revoke without --org', ['connection', 'revoke', uuid], 'error: --org: is required'],
    ['connection revoke without an id', ['connection', 'revoke', '--org', 'acme'], "error: missing required argument 'id'"],
    ['emergency-stop with a bad state', ['emergency-stop', 'maybe', '--org', 'acme'], 'error: <on|off>: must be "on" or "off"'],
    ['emergency-stop without a state', ['emergency-stop', '--org', 'acme'], "error: missing required argument 'on|off'"],
    ['emergency-stop without --org', ['emergency-stop', 'on'], 'error: --org: is required'],
    ['an unknown command', ['frobnicate'], "error: unknown command 'frobnicate'"],
    ['an unknown option', ['connection', 'list', '--org', 'acme', '--all'], "error: unknown option '--all'"],
    ['an option without its value', ['connection', 'list', '--org'], "error: option '--org <slug>' argument missing"],
    ['an extra argument', ['emergency-stop', 'on', 'now', '--org', 'acme'], "error: too many arguments for 'emergency-stop'. Expected 1 argument but got 2."],
  ])('%s', async (_name, argv, firstLine) => {
    const result = await runCli(argv, { config, withDatabase: noDatabase });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(firstLine);
    expect(result.stderr).toMatch(/--help/);
  });

  it('reports every invalid option at once', async () => {
    const result = await runCli(['connection', 'create', '--org', 'acme', '--scopes', 'nope', '--rate-limit', '0'], {
      config,
      withDatabase: noDatabase,
    });
    expect(result).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: [
        'error: --name: is required',
        'error: --scopes: unknown scope "nope"; known scopes: approvals:read, approvals:write, comments:write',
        'error: --rate-limit: must be at least 1 request per hour',
        '(run "greenlight-admin connection create --help" for usage)',
        '',
      ].join('\n'),
    });
  });

  it('with no command at all, shows the usage on stderr and exits 2', async () => {
    const result = await runCli([], { config, withDatabase: noDatabase });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^Usage: greenlight-admin \[options\] \[command\]/);
  });

  it('--help shows the usage on stdout and exits 0', async () => {
    const result = await runCli(['connection', 'create', '--help'], { config, withDatabase: noDatabase });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Usage: greenlight-admin connection create \[options\]/);
    expect(result.stdout).toContain('--rate-limit <n>');
  });
});

describe('runCli — failures against the database exit 1', () => {
  let tdb: TestDatabase;
  let seed: SeededOrg;
  let withDatabase: WithDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
    seed = await seedOrg(tdb.db);
    withDatabase = (fn) => fn(tdb.db);
  });
  afterAll(() => tdb.drop());

  it.each([
    ['connection create', ['connection', 'create', '--org', 'no-such-org', '--name', 'zap']],
    ['connection list', ['connection', 'list', '--org', 'no-such-org']],
    ['connection revoke', ['connection', 'revoke', '--org', 'no-such-org', randomUUID()]],
    ['emergency-stop', ['emergency-stop', 'on', '--org', 'no-such-org']],
  ])('%s on an unknown org → "org not found"', async (_name, argv) => {
    const result = await runCli(argv, { config, withDatabase });
    expect(result).toEqual({ exitCode: 1, stdout: '', stderr: 'error: org not found: no-such-org\n' });
  });

  it('connection create --json on an unknown org prints nothing on stdout', async () => {
    const result = await runCli(['connection', 'create', '--org', 'no-such-org', '--name', 'zap', '--json'], { config, withDatabase });
    expect(result).toEqual({ exitCode: 1, stdout: '', stderr: 'error: org not found: no-such-org\n' });
  });

  it('revoking a connection of another org → "connection not found", and it keeps working', async () => {
    const other = await seedOrg(tdb.db);
    const result = await runCli(['connection', 'revoke', '--org', seed.org.slug, other.connectionId], { config, withDatabase });
    expect(result).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `error: connection not found in org ${seed.org.slug}: ${other.connectionId}\n`,
    });
    const { rows } = await tdb.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM connections WHERE id = $1', [other.connectionId]);
    expect(rows[0]!.revoked_at).toBeNull();
  });

  it('init with a slug that is taken', async () => {
    const result = await runCli(['init', '--org', 'Again', '--admin-email', 'b@example.test', '--slug', seed.org.slug], { config, withDatabase });
    expect(result).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: `error: an org with slug "${seed.org.slug}" already exists; choose another with --slug\n`,
    });
  });

  it('an unexpected database failure exits 1 with its message, not a stack trace', async () => {
    const broken: WithDatabase = () => Promise.reject(new Error('connection refused'));
    const result = await runCli(['connection', 'list', '--org', 'acme'], { config, withDatabase: broken });
    expect(result).toEqual({ exitCode: 1, stdout: '', stderr: 'error: connection refused\n' });
  });
});
