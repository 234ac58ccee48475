import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { runCli, type CliContext } from './run-cli.ts';

let server: TestServer;
let ctx: CliContext;
let slug: string;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
  ctx = { config: server.deps.config, withDatabase: (fn) => fn(server.db) };
  slug = `exp-${process.pid}-${Date.now().toString(36)}`;
  expect((await runCli(['init', '--org', 'Expiring', '--admin-email', `admin@${slug}.test`, '--slug', slug], ctx)).exitCode).toBe(0);
});
afterAll(() => server.stop());

const create = (...extra: string[]) => runCli(['connection', 'create', '--org', slug, '--name', 'ci', '--json', ...extra], ctx);
const storedExpiry = async (id: string) =>
  (await server.db.query<{ expires_at: Date | null }>('SELECT expires_at FROM connections WHERE id = $1', [id])).rows[0]!.expires_at;

describe('greenlight-admin connection create --expires-at / --expires-in', () => {
  it('--expires-in sets the key to lapse that long from now, and the key works until then', async () => {
    const before = Date.now();
    const r = await create('--expires-in', '30d');
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    const out = JSON.parse(r.stdout) as { id: string; api_key: string; expires_at: string };
    const at = (await storedExpiry(out.id))!;
    expect(at.toISOString()).toBe(out.expires_at);
    expect(at.getTime() - before).toBeGreaterThanOrEqual(30 * 86_400_000);
    expect(at.getTime() - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);
    await server.http(out.api_key).get('/api/v1/approvals').expect(200);
  });

  it('--expires-at sets that time; without either the key never expires; the text output says when', async () => {
    const at = new Date(Date.now() + 10 * 86_400_000);
    at.setUTCMilliseconds(0);
    const r = await create('--expires-at', at.toISOString().replace('.000Z', 'Z'));
    expect(r.exitCode).toBe(0);
    expect(await storedExpiry(JSON.parse(r.stdout).id)).toEqual(at);
    const never = await create();
    expect(JSON.parse(never.stdout).expires_at).toBeNull();
    expect(await storedExpiry(JSON.parse(never.stdout).id)).toBeNull();
    const text = await runCli(['connection', 'create', '--org', slug, '--name', 'ci', '--expires-in', '1w'], ctx);
    expect(text.stdout).toMatch(/expires: {4}\d{4}-\d{2}-\d{2}T/);
  });

  it.each([
    [['--expires-in', '10'], /--expires-in: must be a duration/],
    [['--expires-in', '1m'], /--expires-in: must be at least 300 seconds from now/],
    [['--expires-in', '800d'], /--expires-in: must be at most 730 days from now/],
    [['--expires-at', 'tomorrow'], /--expires-at: must be an ISO 8601 time/],
    [['--expires-at', '2020-01-01T00:00:00Z'], /--expires-at: must be at least 300 seconds from now/],
    [['--expires-at', new Date(Date.now() + 86_400_000).toISOString(), '--expires-in', '1d'], /not both/],
  ])('refuses %j with a usage error and makes no key', async (extra, message) => {
    const before = (await server.db.query('SELECT count(*)::int AS n FROM connections')).rows[0];
    const r = await create(...(extra as string[]));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect((await server.db.query('SELECT count(*)::int AS n FROM connections')).rows[0]).toEqual(before);
  });
});

describe('greenlight-admin oauth-client create --expires-in', () => {
  it('registers a client that lapses then; a bad duration is refused', async () => {
    const r = await runCli(['oauth-client', 'create', '--org', slug, '--name', 'Zapier', '--redirect-uri', 'https://example.com/cb', '--expires-in', '90d', '--json'], ctx);
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    const out = JSON.parse(r.stdout) as { id: string; expires_at: string };
    const { rows } = await server.db.query<{ expires_at: Date }>('SELECT expires_at FROM oauth_clients WHERE id = $1', [out.id]);
    expect(rows[0]!.expires_at.toISOString()).toBe(out.expires_at);
    expect(rows[0]!.expires_at.getTime()).toBeGreaterThan(Date.now() + 89 * 86_400_000);
    const bad = await runCli(['oauth-client', 'create', '--org', slug, '--name', 'Zapier', '--redirect-uri', 'https://example.com/cb', '--expires-in', '3y'], ctx);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toMatch(/--expires-in: must be a duration/);
  });
});
