import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, startTestServer, type TestServer } from '../testing/harness.ts';
import { runCli, type CliContext } from './run-cli.ts';
import { slugify } from './args.ts';

let server: TestServer;
let ctx: CliContext;
let n = 0;
beforeAll(async () => {
  server = await startTestServer();
  ctx = { config: server.deps.config, withDatabase: (fn) => fn(server.db) };
});
afterAll(() => server.stop());

const uniqueSlug = () => `cli-${process.pid}-${++n}-${Date.now().toString(36)}`;

async function initOrg(slug = uniqueSlug()) {
  const r = await runCli(['init', '--org', 'Acme Corp', '--admin-email', `admin@${slug}.test`, '--slug', slug], ctx);
  expect(r.exitCode).toBe(0);
  return slug;
}

async function createKey(slug: string, ...extra: string[]) {
  const r = await runCli(['connection', 'create', '--org', slug, '--name', 'zapier-prod', '--json', ...extra], ctx);
  expect(r).toMatchObject({ exitCode: 0, stderr: '' });
  return JSON.parse(r.stdout) as { api_key: string; id: string; name: string; scopes: string[]; rate_limit: number; org: string };
}

describe('greenlight-admin init', () => {
  it('creates the org and its admin, and prints a sign-in link that works once', async () => {
    const slug = uniqueSlug();
    const r = await runCli(['init', '--org', 'Acme Corp', '--admin-email', 'Jane@Example.test', '--slug', slug], ctx);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const link = new RegExp(`^  ${server.deps.config.publicUrl.replace(/[.:/]/g, '\\$&')}/sign-in/([A-Za-z0-9_-]{43})$`, 'm');
    expect(r.stdout).toMatch(`Created org "Acme Corp" (slug: ${slug}) with admin Jane@Example.test.`);
    const token = link.exec(r.stdout)?.[1];
    expect(token).toBeDefined();

    const { rows } = await server.db.query<{ role: string; email: string }>(
      `SELECT m.role, u.email FROM orgs o JOIN memberships m ON m.org_id = o.id JOIN users u ON u.id = m.user_id WHERE o.slug = $1`,
      [slug],
    );
    expect(rows).toEqual([{ role: 'admin', email: 'Jane@Example.test' }]);

    const first = await server.http().get(`/sign-in/${token}`).expect(303);
    expect(first.headers['set-cookie']?.[0]).toMatch(/^gl_session=.+HttpOnly/);
    await server.http().get(`/sign-in/${token}`).expect(410);
  });

  it('derives the slug from the name when --slug is not given', async () => {
    const name = `Ärger & Söhne ${uniqueSlug()}`;
    const r = await runCli(['init', '--org', name, '--admin-email', 'owner@example.test'], ctx);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`(slug: ${slugify(name)})`);
    expect(slugify(name)).toMatch(/^arger-sohne-cli-/);
  });

  it.each([
    ['Acme Corp.', 'acme-corp'],
    ['  --Hello,  World--  ', 'hello-world'],
    ['Crème Brûlée 2', 'creme-brulee-2'],
    ['x'.repeat(70), 'x'.repeat(63)],
    ['!!!', ''],
  ])('slugify(%j) = %j', (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });
});

describe('greenlight-admin connection', () => {
  it('create --json prints exactly one JSON object, and the key authenticates', async () => {
    const slug = await initOrg();
    const r = await runCli(['connection', 'create', '--org', slug, '--name', 'zapier-prod', '--json'], ctx);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({
      api_key: expect.stringMatching(/^gk_[0-9a-f]{64}$/),
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'zapier-prod',
      scopes: ['approvals:read', 'approvals:write', 'comments:write'],
      rate_limit: 100,
      rate_limit_window: 'hour',
      org: slug,
      created_at: expect.any(String),
      expires_at: null,
    });
    const me = await server.http(out.api_key).get('/api/v1/me').expect(200);
    expect(me.body.connection).toMatchObject({ id: out.id, name: 'zapier-prod', rate_limit: 100 });
    expect(me.body.org.slug).toBe(slug);
  });

  it('create honours --scopes and --rate-limit', async () => {
    const slug = await initOrg();
    const out = await createKey(slug, '--scopes', 'comments:write, approvals:read,approvals:read', '--rate-limit', '2500');
    expect(out).toMatchObject({ scopes: ['approvals:read', 'comments:write'], rate_limit: 2500 });
    const me = await server.http(out.api_key).get('/api/v1/me').expect(200);
    expect(me.body.scopes).toEqual(['approvals:read', 'comments:write']);
    expect(me.headers['x-ratelimit-limit']).toBe('2500');
    await server.http(out.api_key).post('/api/v1/approvals').send(approvalBody()).expect(403);
  });

  it.each([
    ['60/min', 60, 'minute'],
    ['1000/hour', 1000, 'hour'],
  ])('create takes --rate-limit %s', async (option, limit, window) => {
    const slug = await initOrg();
    const out = await createKey(slug, '--rate-limit', option);
    expect(out).toMatchObject({ rate_limit: limit, rate_limit_window: window });
    const me = await server.http(out.api_key).get('/api/v1/me').expect(200);
    expect(me.body.connection).toMatchObject({ rate_limit: limit, rate_limit_window: window });
  });

  it('create without --json shows the key once, with what it can do', async () => {
    const slug = await initOrg();
    const r = await runCli(['connection', 'create', '--org', slug, '--name', 'n8n', '--scopes', 'approvals:read'], ctx);
    expect(r.exitCode).toBe(0);
    const key = /^ {2}(gk_[0-9a-f]{64})$/m.exec(r.stdout)?.[1];
    expect(key).toBeDefined();
    expect(r.stdout).toContain(`Created connection "n8n" in org ${slug}.`);
    expect(r.stdout).toContain('  scopes:     approvals:read\n');
    expect(r.stdout).toContain('  rate limit: 100 requests/hour\n');
    expect(r.stdout).toContain('shown once');
    await server.http(key).get('/api/v1/me').expect(200);
  });

  it('list shows connections without their keys, as a table or as JSON', async () => {
    const slug = await initOrg();
    const a = await createKey(slug);
    const table = await runCli(['connection', 'list', '--org', slug], ctx);
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+KEY\s+SCOPES\s+RATE LIMIT\s+CREATED\s+STATUS$/);
    expect(lines[1]).toMatch(new RegExp(`^${a.id}\\s+zapier-prod\\s+${a.api_key.slice(0, 11)}…\\s+approvals:read,approvals:write,comments:write\\s+100/hour\\s+\\S+\\s+active$`));
    expect(table.stdout).not.toContain(a.api_key);

    const json = await runCli(['connection', 'list', '--org', slug, '--json'], ctx);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toEqual({
      org: slug,
      data: [
        {
          id: a.id,
          name: 'zapier-prod',
          auth_type: 'api_key',
          key_prefix: a.api_key.slice(0, 11),
          scopes: a.scopes,
          rate_limit: 100,
          rate_limit_window: 'hour',
          created_at: expect.any(String),
          // Issued from the command line, not by a person in the dashboard.
          created_by: null,
          revoked_at: null,
          expires_at: null,
        },
      ],
    });
    expect(json.stdout).not.toContain(a.api_key);
  });

  it('list on an org without connections says how to create one', async () => {
    const slug = await initOrg();
    const r = await runCli(['connection', 'list', '--org', slug], ctx);
    expect(r).toEqual({
      exitCode: 0,
      stdout: `No connections in org ${slug}. Create one with: greenlight-admin connection create --org ${slug} --name NAME\n`,
      stderr: '',
    });
  });

  it('revoke makes the very next request with the key fail with 401; revoking again is harmless', async () => {
    const slug = await initOrg();
    const a = await createKey(slug);
    await server.http(a.api_key).get('/api/v1/me').expect(200);
    const r = await runCli(['connection', 'revoke', '--org', slug, a.id], ctx);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Revoked connection "zapier-prod" \\(${a.id}\\) at \\S+; its key no longer works\\.\\n$`));
    const denied = await server.http(a.api_key).get('/api/v1/me').expect(401);
    expect(denied.body.error.code).toBe('UNAUTHORIZED');

    const again = await runCli(['connection', 'revoke', '--org', slug, a.id], ctx);
    expect(again.exitCode).toBe(0);
    const list = JSON.parse((await runCli(['connection', 'list', '--org', slug, '--json'], ctx)).stdout);
    expect(list.data[0].revoked_at).toEqual(expect.any(String));
  });
});

describe('greenlight-admin emergency-stop', () => {
  it('on refuses changes with 503 while reads work; off allows them again', async () => {
    const slug = await initOrg();
    const a = await createKey(slug);
    const on = await runCli(['emergency-stop', 'on', '--org', slug], ctx);
    expect(on).toEqual({
      exitCode: 0,
      stdout: `Emergency stop is ON for org ${slug}: every change to approval requests is refused (503 EMERGENCY_STOP) until it is turned off.\n`,
      stderr: '',
    });
    const refused = await server.http(a.api_key).post('/api/v1/approvals').send(approvalBody()).expect(503);
    expect(refused.body.error.code).toBe('EMERGENCY_STOP');
    const me = await server.http(a.api_key).get('/api/v1/me').expect(200);
    expect(me.body.org.emergency_stop).toBe(true);

    const off = await runCli(['emergency-stop', 'off', '--org', slug], ctx);
    expect(off.stdout).toBe(`Emergency stop is OFF for org ${slug}: approval requests can be changed again.\n`);
    await server.http(a.api_key).post('/api/v1/approvals').send(approvalBody()).expect(201);
  });
});
