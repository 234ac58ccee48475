/**
 * `greenlight hook claude-code` fails closed. Claude Code runs a call whose hook exits with an error
 * other than 2, or prints nothing, so every failure here is a documented answer on stdout with exit
 * 0: "deny" (or "ask" with --on-error ask), never "allow" — an unreachable server, a refused key, a
 * missing setting, input that is not a PreToolUse call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runGreenlight, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';

let server: TestServer;
let org: SeededOrg;
let closed: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await seedOrg(server.db, 'Claude Code hook errors');
  closed = `http://127.0.0.1:${await freePort()}`;
});
afterAll(() => server.stop());

const call = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    session_id: 'sess-errors',
    cwd: '/tmp',
    hook_event_name: 'PreToolUse',
    tool_name: 'Bash',
    tool_input: { command: 'make deploy' },
    tool_use_id: `toolu_${Math.random().toString(36).slice(2)}`,
    ...over,
  });

async function answer(stdin: string, options: { url?: string; apiKey?: string | null; args?: string[]; env?: Record<string, string> } = {}) {
  const run = runGreenlight(['hook', 'claude-code', ...(options.args ?? [])], {
    url: options.url ?? server.url,
    ...(options.apiKey === null ? {} : { apiKey: options.apiKey ?? org.key }),
    stdin,
    ...(options.env ? { env: options.env } : {}),
  });
  const { code, stdout, stderr } = await run.exited;
  expect(code, stderr).toBe(0);
  expect(stdout.trimEnd().split('\n')).toHaveLength(1);
  const { hookSpecificOutput } = JSON.parse(stdout) as { hookSpecificOutput: { hookEventName: string; permissionDecision: string; permissionDecisionReason: string } };
  expect(hookSpecificOutput.hookEventName).toBe('PreToolUse');
  return hookSpecificOutput;
}

describe.concurrent('fails closed: "deny" on stdout, exit 0', { timeout: 60_000 }, () => {
  it('the server is unreachable', async () => {
    const a = await answer(call(), { url: closed });
    expect(a.permissionDecision).toBe('deny');
    expect(a.permissionDecisionReason).toMatch(/^Greenlight could not be asked about this call, so it was not run: /);
  });

  it('--on-error ask (or GREENLIGHT_HOOK_ON_ERROR=ask) hands the call to Claude Code\'s own prompt instead', async () => {
    expect((await answer(call(), { url: closed, args: ['--on-error', 'ask'] })).permissionDecision).toBe('ask');
    expect((await answer(call(), { url: closed, env: { GREENLIGHT_HOOK_ON_ERROR: 'ask' } })).permissionDecision).toBe('ask');
  });

  it('the key is refused (401)', async () => {
    const a = await answer(call(), { apiKey: `gk_${'0'.repeat(64)}` });
    expect(a.permissionDecision).toBe('deny');
    expect(a.permissionDecisionReason).toMatch(/^Greenlight could not be asked about this call, so it was not run: .*(key|credential|auth)/i);
  });

  it('a key that may only read cannot ask (403)', async () => {
    const reader = await org.newKey({ scopes: ['approvals:read'] });
    const a = await answer(call(), { apiKey: reader.key });
    expect(a.permissionDecision).toBe('deny');
  });

  it.each([
    ['no API key', { apiKey: null }, /^Greenlight hook is not set up, so the call was not sent for approval: set GREENLIGHT_API_KEY/],
    ['a bad --timeout', { args: ['--timeout', 'forever'] }, /--timeout \(GREENLIGHT_HOOK_TIMEOUT\) must be a duration/],
    ['a bad --tools pattern', { args: ['--tools', 'Bash|('] }, /--tools \(GREENLIGHT_HOOK_TOOLS\) is not a regular expression/],
    ['a bad --on-error', { args: ['--on-error', 'allow'] }, /--on-error \(GREENLIGHT_HOOK_ON_ERROR\) is deny or ask, not "allow"/],
    ['a bad --revocable-for', { args: ['--revocable-for', 'a while'] }, /--revocable-for \(GREENLIGHT_HOOK_REVOCABLE_FOR\) must be a duration/],
    ['a revoke window past the API\'s day', { env: { GREENLIGHT_HOOK_REVOCABLE_FOR: '2d' } }, /--revocable-for \(GREENLIGHT_HOOK_REVOCABLE_FOR\): Too big/],
  ] as const)('%s', async (_, options, reason) => {
    const a = await answer(call(), options as { apiKey?: null; args?: string[]; env?: Record<string, string> });
    expect(a.permissionDecision).toBe('deny');
    expect(a.permissionDecisionReason).toMatch(reason);
  });

  it.each([
    ['stdin that is not JSON', '{"tool_name": "Bash",', /the hook input on stdin is not JSON/],
    ['no tool_name', call({ tool_name: undefined }), /not a PreToolUse call \(tool_name: /],
    ['a tool_input that is not an object', call({ tool_input: 'rm -rf /' }), /not a PreToolUse call \(tool_input: /],
    ['another hook event', call({ hook_event_name: 'PostToolUse' }), /configured for PostToolUse, but it answers PreToolUse only/],
  ])('%s', async (_, stdin, reason) => {
    const a = await answer(stdin);
    expect(a.permissionDecision).toBe('deny');
    expect(a.permissionDecisionReason).toMatch(reason);
  });

  it('input too big for the API is cut short for the reviewer, and still asks (never a 400 that denies every large Write)', async () => {
    const stdin = call({ tool_name: 'Write', tool_input: { file_path: '/tmp/greenlight-hook-large.txt', content: 'x'.repeat(60_000) } });
    const run = runGreenlight(['hook', 'claude-code', '--timeout', '1s'], { url: server.url, apiKey: org.key, stdin });
    const { stdout } = await run.exited;
    const a = JSON.parse(stdout).hookSpecificOutput as { permissionDecision: string; permissionDecisionReason: string };
    // Asked, then nobody decided within the second: the request existed.
    expect(a.permissionDecision).toBe('deny');
    expect(a.permissionDecisionReason).toMatch(/^No decision on this tool call within 1 s/);
    const id = /approval request ([0-9a-f-]{36})/.exec(a.permissionDecisionReason)![1]!;
    const { body } = await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200);
    expect(body.metadata.input.content).toMatch(/^x{2000}\n… \[58000 more characters not shown\]$/);
    expect(body.description).toContain('Long values are cut short here');
  });
});
