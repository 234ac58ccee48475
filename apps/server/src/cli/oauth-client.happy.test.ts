/**
 * `greenlight-admin oauth-client create`: in process (runCli, as the CLI and the admin socket run it) and
 * once as the real child process, whose client then completes the connect flow.
 */
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, testConfig, TEST_DATABASE_URL, type TestServer } from '../testing/harness.ts';
import { connectInBrowser, pkcePair, TEST_PASSWORD, tokenRequest } from '../testing/oauth.ts';
import { setPassword } from '../modules/users/passwords.ts';
import { startGreenlight, createLogger } from '../server.ts';
import { addMember, createOrg } from '../modules/orgs/create-org.ts';
import { findActiveClient, secretMatches } from '../modules/oauth/clients.ts';
import { runCli, type CliContext } from './run-cli.ts';
import { copyTemplateTo } from '../testing/pglite-template.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
// tsx as a loader of this process, not its command line (which starts a second node under itself).
const TSX = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const ZAPIER = 'https://zapier.com/dashboard/auth/oauth/return/App123CLIAPI/';

let server: TestServer;
let ctx: CliContext;
beforeAll(async () => {
  server = await startTestServer();
  ctx = { config: server.deps.config, withDatabase: (fn) => fn(server.db) };
});
afterAll(() => server.stop());

describe('greenlight-admin oauth-client create (in process)', () => {
  it('--json prints one object with the secret; the stored client matches it', async () => {
    const seed = await seedOrg(server.db);
    const r = await runCli(
      ['oauth-client', 'create', '--org', seed.org.slug, '--name', 'n8n', '--redirect-uri', 'https://n8n.example/rest/oauth2-credential/callback',
        '--redirect-uri', 'http://localhost:5678/rest/oauth2-credential/callback', '--scopes', 'approvals:write,approvals:read', '--rate-limit', '250', '--json'],
      ctx,
    );
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['client_id', 'client_secret', 'created_at', 'expires_at', 'id', 'name', 'org', 'rate_limit', 'rate_limit_window', 'redirect_uris', 'scopes']);
    expect(out).toMatchObject({
      name: 'n8n', org: seed.org.slug, rate_limit: 250, scopes: ['approvals:read', 'approvals:write'],
      redirect_uris: ['https://n8n.example/rest/oauth2-credential/callback', 'http://localhost:5678/rest/oauth2-credential/callback'],
      client_id: expect.stringMatching(/^glc_[0-9a-f]{32}$/), client_secret: expect.stringMatching(/^glcs_/),
    });
    const stored = await findActiveClient(server.db, out.client_id);
    expect(stored!.org_id).toBe(seed.org.id);
    expect(secretMatches(stored!, out.client_secret)).toBe(true);
  });

  it('without --json prints the client_id and the secret once, with a warning to copy it', async () => {
    const seed = await seedOrg(server.db);
    const r = await runCli(['oauth-client', 'create', '--org', seed.org.slug, '--name', 'Zapier', '--redirect-uri', ZAPIER], ctx);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Registered OAuth client "Zapier" in org ${seed.org.slug}\\.\\n  client_id:     glc_[0-9a-f]{32}\\n`));
    expect(r.stdout).toContain(`  redirect URIs: ${ZAPIER}\n`);
    expect(r.stdout).toContain('  scopes:        approvals:read, approvals:write, comments:write\n');
    expect(r.stdout).toMatch(/Client secret \(shown once; only its SHA-256 is stored, so copy it now\):\n {2}glcs_\S+\n$/);
  });

  it.each([
    [['--name', 'X', '--redirect-uri', ZAPIER], 2, /^error: --org: is required\n/],
    [['--org', 'acme', '--name', 'X'], 2, /^error: --redirect-uri: is required\n/],
    [['--org', 'acme', '--name', 'X', '--redirect-uri', 'http://example.com/cb'], 2, /^error: --redirect-uri: must use https \(http only for localhost\)\n/],
    [['--org', 'acme', '--name', 'X', '--redirect-uri', 'not a url'], 2, /^error: --redirect-uri: must be an absolute URL\n/],
    [['--org', 'acme', '--name', 'X', '--redirect-uri', ZAPIER, '--scopes', 'admin'], 2, /^error: --scopes: unknown scope "admin"/],
    [['--org', 'no-such-org', '--name', 'X', '--redirect-uri', ZAPIER], 1, /^error: org not found: no-such-org\n$/],
  ])('%j → exit %i', async (args, exitCode, stderr) => {
    const r = await runCli(['oauth-client', 'create', ...args], ctx);
    expect(r.exitCode).toBe(exitCode);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(stderr);
  });

  it('--help lists the options', async () => {
    const r = await runCli(['oauth-client', 'create', '--help'], ctx);
    expect(r.exitCode).toBe(0);
    for (const option of ['--org', '--name', '--redirect-uri', '--scopes', '--rate-limit', '--json']) expect(r.stdout).toContain(option);
  });
});

function greenlight(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...TSX, MAIN, ...args], { cwd: REPO, env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'silent', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('greenlight-admin oauth-client create (child process)', { timeout: 60_000 }, () => {
  it('registers a client that a user then connects with, end to end', async () => {
    // On PGlite a server owns the data directory and the CLI goes through its admin socket; on Postgres it connects itself.
    const dir = await mkdtemp(join(tmpdir(), 'gl-oauth-cli-'));
    // Its database as a server finds it after its first start (the run's migrated template): creating
    // and migrating one is the first start's test (data-dir-lock.security), not this one's.
    if (!TEST_DATABASE_URL) await copyTemplateTo(join(dir, 'pglite'));
    const running = TEST_DATABASE_URL ? undefined : await startGreenlight(testConfig({ GREENLIGHT_DATA_DIR: dir }), { logger: createLogger(testConfig()) });
    try {
      const target = running ? { db: running.deps.db, url: running.url } : { db: server.db, url: server.url };
      const env: Record<string, string> = running ? { GREENLIGHT_DATA_DIR: dir } : { DATABASE_URL: server.databaseUrl!, GREENLIGHT_DATA_DIR: dir };
      const slug = `cli-oauth-${process.pid}-${Date.now().toString(36)}`;
      const { org } = await createOrg(target.db, { slug, name: 'CLI OAuth', adminEmail: `admin@${slug}.test` });

      const r = await greenlight(env, 'oauth-client', 'create', '--org', slug, '--name', 'Zapier', '--redirect-uri', ZAPIER, '--scopes', 'approvals:read', '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const client = JSON.parse(r.stdout);
      expect(client).toMatchObject({ org: slug, name: 'Zapier', scopes: ['approvals:read'], redirect_uris: [ZAPIER] });

      const user = await addMember(target.db, { orgId: org.id, email: `approver@${slug}.test`, role: 'approver' });
      await setPassword(target.db, user.id, TEST_PASSWORD);
      // The connect-flow helpers only need the base URL of the server that answers.
      const there = { url: target.url } as TestServer;
      const { verifier, challenge } = pkcePair();
      const back = await connectInBrowser(there, { email: user.email, password: TEST_PASSWORD }, { client_id: client.client_id, redirect_uri: ZAPIER, code_challenge: challenge, code_challenge_method: 'S256' });
      expect(back.origin + back.pathname).toBe(ZAPIER);
      const tokens = await tokenRequest(there, {
        grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: ZAPIER,
        client_id: client.client_id, client_secret: client.client_secret, code_verifier: verifier,
      }).expect(200);
      expect(tokens.body.scope).toBe('approvals:read');
    } finally {
      await running?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
