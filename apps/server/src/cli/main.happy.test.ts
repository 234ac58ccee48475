/**
 * The real CLI as a child process, from its sources through tsx (`pnpm greenlight-admin` runs the same code bundled, dist/cli.js):
 * on a PGlite data directory with the server down (the CLI opens the directory itself) and with a
 * server running on it (the CLI goes through the admin socket), and on Postgres via DATABASE_URL.
 */
import { createRequire } from 'node:module';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGreenlight, type RunningServer } from '../server.ts';
import { approvalBody, startTestServer, testConfig, TEST_DATABASE_URL, type TestServer } from '../testing/harness.ts';
import { captureLogs } from '../testing/capture-logs.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
// tsx as a loader of this process, not its command line (which starts a second node under itself).
const TSX = ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function greenlight(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...TSX, MAIN, ...args],
      { cwd: REPO, env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function parseJsonLine(out: string) {
  // "exactly one JSON object on stdout": one line, nothing around it.
  expect(out.endsWith('\n')).toBe(true);
  expect(out.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(out);
}

const http = (url: string, key?: string) => {
  const agent = supertest(url);
  const auth = (t: supertest.Test) => (key ? t.set('Authorization', `Bearer ${key}`) : t);
  return { get: (p: string) => auth(agent.get(p)), post: (p: string) => auth(agent.post(p)) };
};

it('is greenlight-admin, not the command line for automations: their commands are refused, naming greenlight', async () => {
  const r = await greenlight({}, 'request', '--title', 'Deploy');
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^error: "request" is a command of greenlight, the command line for automations .*not of greenlight-admin\n$/);
  const help = await greenlight({}, '--help');
  expect(help.stdout).toMatch(/^Usage: greenlight-admin /);
  expect(help.stdout).not.toMatch(/^ {2}request /m);
});

// Each direct run starts PGlite in a fresh process (seconds on a busy machine).
describe.skipIf(TEST_DATABASE_URL)('greenlight CLI on a PGlite data directory', { timeout: 60_000 }, () => {
  let dir: string;
  let env: Record<string, string>;
  let server: RunningServer | undefined;
  const logs = captureLogs();
  let created: { api_key: string; id: string };
  let signInToken: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gl-cli-'));
    env = { GREENLIGHT_DATA_DIR: dir };
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('server down: init opens the directory itself and prints a one-time sign-in link', async () => {
    const r = await greenlight(env, 'init', '--org', 'Acme Corp', '--admin-email', 'admin@acme.test');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Created org "Acme Corp" (slug: acme-corp) with admin admin@acme.test.');
    signInToken = /\/sign-in\/([A-Za-z0-9_-]{43})$/m.exec(r.stdout)![1]!;
    expect(existsSync(join(dir, 'pglite'))).toBe(true);
    expect(existsSync(join(dir, 'admin.sock'))).toBe(false);
  });

  it('server down: connection create --json prints one JSON object; list shows it', async () => {
    const r = await greenlight(env, 'connection', 'create', '--org', 'acme-corp', '--name', 'zap', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    created = parseJsonLine(r.stdout);
    expect(Object.keys(created).sort()).toEqual(['api_key', 'created_at', 'expires_at', 'id', 'name', 'org', 'rate_limit', 'rate_limit_window', 'scopes']);
    expect(created).toMatchObject({ name: 'zap', org: 'acme-corp', rate_limit: 100, api_key: expect.stringMatching(/^gk_[0-9a-f]{64}$/) });

    const list = await greenlight(env, 'connection', 'list', '--org', 'acme-corp', '--json');
    expect(list.code).toBe(0);
    expect(parseJsonLine(list.stdout).data.map((c: { id: string }) => c.id)).toEqual([created.id]);
    expect(list.stdout).not.toContain(created.api_key);
  });

  it('server down: argument errors exit 2 and an unknown org exits 1, with the message on stderr', async () => {
    const bad = await greenlight(env, 'connection', 'create', '--org', 'acme-corp', '--name', 'zap', '--rate-limit', '20000');
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toMatch(/^error: --rate-limit: must be at most 10000 requests per hour\n/);
    const unknown = await greenlight(env, 'emergency-stop', 'on', '--org', 'nope');
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'error: org not found: nope\n' });
  });

  it('a server started on the directory owns it: admin socket 0600, and the key and sign-in link work', async () => {
    const config = testConfig({ GREENLIGHT_DATA_DIR: dir });
    server = await startGreenlight(config, { logger: logs.logger });
    const sock = await stat(join(dir, 'admin.sock'));
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o600);

    const me = await http(server.url, created.api_key).get('/api/v1/me').expect(200);
    expect(me.body).toMatchObject({ org: { slug: 'acme-corp', name: 'Acme Corp' }, connection: { id: created.id, name: 'zap' } });
    await http(server.url).get(`/sign-in/${signInToken}`).expect(303);
  });

  it('server up: commands run inside the server through the socket; a new key works at once', async () => {
    const before = logs.lines.length;
    const r = await greenlight(env, 'connection', 'create', '--org', 'acme-corp', '--name', 'via-socket', '--json');
    expect(r.code).toBe(0);
    const key = parseJsonLine(r.stdout);
    const adminLogs = logs.lines.slice(before).filter((l) => l.msg === 'admin command');
    expect(adminLogs.map((l) => l.command)).toEqual(['connection create']);
    // Nothing is logged that came after the command name (emails, names).
    expect(JSON.stringify(adminLogs)).not.toContain('via-socket');
    await http(server!.url, key.api_key).get('/api/v1/me').expect(200);
  });

  it('server up: revoke makes the next request 401', async () => {
    await http(server!.url, created.api_key).get('/api/v1/me').expect(200);
    const r = await greenlight(env, 'connection', 'revoke', '--org', 'acme-corp', created.id);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Revoked connection "zap" (${created.id})`);
    const res = await http(server!.url, created.api_key).get('/api/v1/me').expect(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('server up: emergency-stop on → creating a request answers 503; off → 201', async () => {
    const r = await greenlight(env, 'connection', 'create', '--org', 'acme-corp', '--name', 'writer', '--json');
    const { api_key } = parseJsonLine(r.stdout);
    expect((await greenlight(env, 'emergency-stop', 'on', '--org', 'acme-corp')).code).toBe(0);
    const refused = await http(server!.url, api_key).post('/api/v1/approvals').send(approvalBody()).expect(503);
    expect(refused.body.error.code).toBe('EMERGENCY_STOP');
    expect((await greenlight(env, 'emergency-stop', 'off', '--org', 'acme-corp')).code).toBe(0);
    await http(server!.url, api_key).post('/api/v1/approvals').send(approvalBody()).expect(201);
  });

  it('server up: errors come back through the socket with the same exit codes', async () => {
    expect(await greenlight(env, 'connection', 'list', '--org', 'nope')).toEqual({ code: 1, stdout: '', stderr: 'error: org not found: nope\n' });
    const bad = await greenlight(env, 'connection', 'revoke', '--org', 'acme-corp', 'not-a-uuid');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: <id>: must be a connection id/);
  });

  it('after the server stops, the socket is gone and the CLI opens the directory again', async () => {
    await server!.close();
    server = undefined;
    expect(existsSync(join(dir, 'admin.sock'))).toBe(false);
    const list = await greenlight(env, 'connection', 'list', '--org', 'acme-corp', '--json');
    expect(list.code).toBe(0);
    const byName = Object.fromEntries(parseJsonLine(list.stdout).data.map((c: { name: string }) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['via-socket', 'writer', 'zap']);
    expect(byName.zap.revoked_at).toEqual(expect.any(String));
    expect(byName.writer.revoked_at).toBeNull();
  });
});

describe.skipIf(!TEST_DATABASE_URL)('greenlight CLI on Postgres (DATABASE_URL)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    // A data directory that must stay untouched: with DATABASE_URL there is no PGlite and no socket.
    dir = await mkdtemp(join(tmpdir(), 'gl-cli-pg-'));
    env = { DATABASE_URL: server.databaseUrl!, GREENLIGHT_DATA_DIR: dir };
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('init, connection create/list/revoke and emergency-stop work against the same database as the server', async () => {
    const slug = `pg-${process.pid}-${Date.now().toString(36)}`;
    const init = await greenlight(env, 'init', '--org', 'Postgres Co', '--admin-email', 'admin@pg.test', '--slug', slug);
    expect(init.code).toBe(0);
    const token = /\/sign-in\/([A-Za-z0-9_-]{43})$/m.exec(init.stdout)![1]!;
    await server.http().get(`/sign-in/${token}`).expect(303);

    const r = await greenlight(env, 'connection', 'create', '--org', slug, '--name', 'ci', '--json', '--rate-limit', '500');
    expect(r.code).toBe(0);
    const key = parseJsonLine(r.stdout);
    const me = await server.http(key.api_key).get('/api/v1/me').expect(200);
    expect(me.body).toMatchObject({ org: { slug }, connection: { id: key.id, rate_limit: 500 } });

    const list = await greenlight(env, 'connection', 'list', '--org', slug, '--json');
    expect(parseJsonLine(list.stdout).data.map((c: { id: string }) => c.id)).toEqual([key.id]);

    expect((await greenlight(env, 'emergency-stop', 'on', '--org', slug)).code).toBe(0);
    const refused = await server.http(key.api_key).post('/api/v1/approvals').send(approvalBody()).expect(503);
    expect(refused.body.error.code).toBe('EMERGENCY_STOP');
    expect((await greenlight(env, 'emergency-stop', 'off', '--org', slug)).code).toBe(0);
    await server.http(key.api_key).post('/api/v1/approvals').send(approvalBody()).expect(201);

    expect((await greenlight(env, 'connection', 'revoke', '--org', slug, key.id)).code).toBe(0);
    await server.http(key.api_key).get('/api/v1/me').expect(401);

    expect(await greenlight(env, 'connection', 'list', '--org', 'nope')).toEqual({ code: 1, stdout: '', stderr: 'error: org not found: nope\n' });
    expect(existsSync(join(dir, 'pglite'))).toBe(false);
    expect(existsSync(join(dir, 'admin.sock'))).toBe(false);
  });
});
