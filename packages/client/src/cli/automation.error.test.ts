/**
 * The automation commands' errors, each a child process against a real server: a usage mistake or an
 * API refusal is exit 4 with a message that says what to fix (and one JSON object with --json), never
 * a stack trace, never a wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runGreenlight, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';

let server: TestServer;
let org: SeededOrg;

beforeAll(async () => {
  server = await startTestServer();
  org = await seedOrg(server.db, 'Automation CLI errors');
});
afterAll(() => server.stop());

const run = (args: string[], env: { url?: string; apiKey?: string } = {}) =>
  runGreenlight(args, { url: env.url ?? server.url, apiKey: env.apiKey ?? org.key }).exited;

describe.concurrent('usage errors: exit 4, nothing sent', { timeout: 60_000 }, () => {
  it.each([
    [['request'], 'error: --title is required'],
    [['request', '--title', 'x', '--priority', 'urgent'], 'error: --priority: Invalid option: expected one of "low"|"medium"|"high"|"critical"'],
    [['request', '--title', 'x', '--expires-in', 'soon'], 'error: --expires-in must be a duration such as 90s, 30m, 1h30m or 2d (got "soon")'],
    [['request', '--title', 'x', '--wait', '--timeout', '0'], 'error: --timeout must be a duration'],
    [['request', '--title', 'x', '--revocable-for', 'a bit'], 'error: --revocable-for must be a duration'],
    [['request', '--title', 'x', '--revocable-for', '2d'], 'error: --revocable-for: Too big'],
    [['request', '--title', 'x', '--metadata', '[1,2]'], 'error: --metadata must be a JSON object'],
    [['request', '--title', 'x', '--metadata', '{oops'], 'error: --metadata is not JSON'],
    [['request', '--title', 'x', '--metadata', '@/nonexistent/meta.json'], 'error: --metadata: cannot read /nonexistent/meta.json: ENOENT'],
    [['request', '--title', 'x', '--cancel-on-interrupt'], 'error: --cancel-on-interrupt goes with --wait'],
    [['request', '--title', 'x', '--colour', 'red'], "error: Unknown option '--colour'"],
    [['request', '--title', '   '], 'error: --title: Too small'],
    [['decide', '00000000-0000-4000-8000-000000000000', 'maybe'], 'error: the decision is "approve" or "reject", not "maybe"'],
    [['get'], 'error: missing ID'],
    [['frobnicate'], 'error: unknown command "frobnicate"'],
  ])('%j', async (args, message) => {
    const { code, stderr, stdout } = await run(args);
    expect(code).toBe(4);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });

  it('without GREENLIGHT_URL and GREENLIGHT_API_KEY it names both', async () => {
    const { code, stderr } = await runGreenlight(['list'], { url: '' }).exited;
    expect(code).toBe(4);
    expect(stderr).toContain('error: set GREENLIGHT_URL and GREENLIGHT_API_KEY');
  });

  it('--json prints the usage error as one JSON object', async () => {
    const { code, stdout } = await run(['request', '--json']);
    expect(code).toBe(4);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'USAGE', message: '--title is required' } });
  });
});

describe.concurrent('API errors: exit 4 with the API\'s code and request id', { timeout: 60_000 }, () => {
  it('a wrong API key (401)', async () => {
    const { code, stderr, stdout } = await run(['request', '--title', 'x', '--wait', '--json'], { apiKey: `gk_${'0'.repeat(64)}` });
    expect(code).toBe(4);
    expect(stderr).toMatch(/^error: .+ \(HTTP 401 UNAUTHORIZED; request id \S+\)$/m);
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'UNAUTHORIZED', status: 401 } });
  });

  it('waiting on a request that does not exist (404)', async () => {
    const { code, stderr } = await run(['wait', '00000000-0000-4000-8000-000000000000']);
    expect(code).toBe(4);
    expect(stderr).toMatch(/HTTP 404 NOT_FOUND/);
  });

  it('deciding one\'s own request (403, four-eyes)', async () => {
    const { body } = await server.http(org.key).post('/api/v1/approvals').send({ title: 'Mine', description: '', priority: 'low' }).expect(201);
    const { code, stderr } = await run(['decide', body.id as string, 'approve']);
    expect(code).toBe(4);
    expect(stderr).toMatch(/HTTP 403 /);
  });

  it('an idempotency key reused for a different request (409) is refused, never attached to', async () => {
    const key = `reuse-${Date.now()}`;
    expect((await run(['request', '--title', 'First', '--idempotency-key', key])).code).toBe(0);
    const { code, stderr } = await run(['request', '--title', 'Second', '--idempotency-key', key, '--wait']);
    expect(code).toBe(4);
    expect(stderr).toContain(`error: --idempotency-key ${key} was already used for a different request: "First"`);
  });

  it('a server that is not there: exit 4 once the create gives up within --timeout', async () => {
    const port = await freePort();
    const { code, stderr } = await run(['request', '--title', 'x', '--timeout', '2s'], { url: `http://127.0.0.1:${port}` });
    expect(code).toBe(4);
    expect(stderr).toMatch(/^error: could not reach Greenlight: /m);
  });
});
