/**
 * `greenlight hook claude-code` as Claude Code runs it: a child process given the PreToolUse hook's
 * JSON on stdin, against a real server; its stdout is the hook's documented answer. An approval
 * allows the call, a rejection denies it with the reviewer's words, an edit shows the file before
 * and after, and the same call asked twice (a retried hook) is one request.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGreenlight, useCliWorld, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';

let server: TestServer;
let org: SeededOrg;
let approverKey: string;
let dir: string;

useCliWorld('Claude Code hook', (w) => ({ server, org, approverKey, dir } = w));

let calls = 0;
/** What Claude Code writes on a PreToolUse hook's stdin. */
function hookInput(tool_name: string, tool_input: Record<string, unknown>, over: Record<string, unknown> = {}) {
  calls += 1;
  return {
    session_id: `sess-${process.pid}-${calls}`,
    transcript_path: '/home/dev/.claude/projects/app/session.jsonl',
    cwd: dir,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name,
    tool_input,
    tool_use_id: `toolu_${calls}_${Math.random().toString(36).slice(2)}`,
    ...over,
  };
}

const hook = (input: unknown, args: string[] = [], env: Record<string, string> = {}) =>
  runGreenlight(['hook', 'claude-code', ...args], { url: server.url, apiKey: org.key, stdin: typeof input === 'string' ? input : JSON.stringify(input), env });

/** The request the hook made for a call, once it exists (the hook says nothing while it waits). */
async function requestOf(input: { session_id: string; tool_use_id: string }) {
  const key = `claude-code:${input.session_id}:${input.tool_use_id}`;
  for (let i = 0; i < 400; i++) {
    const { body } = await server.http(org.key).get(`/api/v1/approvals?idempotency_key=${encodeURIComponent(key)}`).expect(200);
    if (body.data.length > 0) return body.data[0] as Record<string, unknown> & { id: string };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no request with the idempotency key ${key}`);
}

const answerOf = (stdout: string) => JSON.parse(stdout) as { hookSpecificOutput: { hookEventName: string; permissionDecision: string; permissionDecisionReason: string } };

describe('greenlight hook claude-code', { timeout: 60_000 }, () => {
  it('Bash: the call becomes a request (tool, input, session); an approval answers "allow" with the reviewer\'s comment', async () => {
    const input = hookInput('Bash', { command: 'git push --force origin main\n', description: 'Force-push the rebased branch' });
    const run = hook(input);
    const request = await requestOf(input);
    expect(request).toMatchObject({
      title: 'Claude Code: Bash git push --force origin main',
      status: 'pending',
      action_type: 'tool.Bash',
      source: 'claude-code',
      metadata: { tool: 'Bash', call_id: input.tool_use_id, session_id: input.session_id, cwd: dir, permission_mode: 'default', input: input.tool_input },
    });
    expect(request.description).toContain('git push --force origin main');
    await server.http(approverKey).patch(`/api/v1/approvals/${request.id}`).send({ decision: 'approve', comment: 'Rebased on purpose' }).expect(200);

    const { code, stdout } = await run.exited;
    expect(code).toBe(0);
    const answer = answerOf(stdout);
    expect(answer.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'allow' });
    expect(answer.hookSpecificOutput.permissionDecisionReason).toBe(`Approved in Greenlight (${server.url}/requests/${request.id}): Rebased on purpose`);
  });

  it('Edit: the file before (read from disk) and after the edit are the request\'s changes; a rejection answers "deny" with the reviewer\'s reason', async () => {
    const file = join(dir, 'config.yml');
    await writeFile(file, 'replicas: 2\nimage: app:1.4\nregion: eu\n');
    const input = hookInput('Edit', { file_path: file, old_string: 'replicas: 2', new_string: 'replicas: 0' });
    const run = hook(input);
    const request = await requestOf(input);
    expect(request).toMatchObject({
      title: 'Claude Code: Edit config.yml',
      changes: { before: { 'config.yml': 'replicas: 2\nimage: app:1.4\nregion: eu\n' }, after: { 'config.yml': 'replicas: 0\nimage: app:1.4\nregion: eu\n' } },
      resource: { type: 'file', id: file },
    });
    await server.http(approverKey).patch(`/api/v1/approvals/${request.id}`).send({ decision: 'reject', comment: 'Scaling to zero takes the site down' }).expect(200);

    const { code, stdout } = await run.exited;
    expect(code).toBe(0);
    const answer = answerOf(stdout).hookSpecificOutput;
    expect(answer.permissionDecision).toBe('deny');
    expect(answer.permissionDecisionReason).toContain('A reviewer rejected this tool call in Greenlight: Scaling to zero takes the site down');
    // The hook only asks: the file is as it was.
    expect(await readFile(file, 'utf8')).toBe('replicas: 2\nimage: app:1.4\nregion: eu\n');
  });

  it('MultiEdit and Write: every edit applied in order; a new file has no "before"; a long file is shown as the lines that change', async () => {
    const file = join(dir, 'app.ts');
    await writeFile(file, 'const a = 1;\nconst b = 2;\n');
    const multi = hookInput('MultiEdit', { file_path: file, edits: [{ old_string: 'a = 1', new_string: 'a = 10' }, { old_string: 'b = 2', new_string: 'b = a', replace_all: true }] });
    const created = hookInput('Write', { file_path: join(dir, 'new.txt'), content: 'hello\n' });
    const long = join(dir, 'long.txt');
    const lines = Array.from({ length: 2_000 }, (_, i) => `line ${i + 1}`);
    await writeFile(long, lines.join('\n'));
    const edited = hookInput('Edit', { file_path: long, old_string: 'line 1000\n', new_string: 'line one thousand\n' });
    const runs = [hook(multi), hook(created), hook(edited)];
    const [m, c, e] = await Promise.all([requestOf(multi), requestOf(created), requestOf(edited)]);
    expect(m.changes).toEqual({ before: { 'app.ts': 'const a = 1;\nconst b = 2;\n' }, after: { 'app.ts': 'const a = 10;\nconst b = a;\n' } });
    expect(c.changes).toEqual({ before: null, after: { 'new.txt': 'hello\n' } });
    const excerpt = 'long.txt (lines 995–1005)';
    expect(e.changes).toEqual({
      before: { [excerpt]: lines.slice(994, 1005).join('\n') },
      after: { [excerpt]: [...lines.slice(994, 999), 'line one thousand', ...lines.slice(1000, 1005)].join('\n') },
    });
    expect(e.description).toContain('the file is long: lines 995–1005 shown');
    for (const r of [m, c, e]) await server.http(approverKey).patch(`/api/v1/approvals/${r.id}`).send({ decision: 'approve' }).expect(200);
    for (const run of runs) expect(answerOf((await run.exited).stdout).hookSpecificOutput.permissionDecision).toBe('allow');
  });

  it('the same call asked twice (a retried hook, concurrently and after the decision) makes one request and gets one answer', async () => {
    const input = hookInput('Bash', { command: 'terraform apply -auto-approve' });
    const first = hook(input);
    const second = hook(input);
    const request = await requestOf(input);
    await server.http(approverKey).patch(`/api/v1/approvals/${request.id}`).send({ decision: 'approve' }).expect(200);
    const [a, b] = await Promise.all([first.exited, second.exited]);
    const third = await hook(input).exited;
    for (const r of [a, b, third]) expect(answerOf(r.stdout).hookSpecificOutput.permissionDecision).toBe('allow');
    const { rows } = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM approvals WHERE org_id = $1 AND metadata ->> 'session_id' = $2`, [org.org.id, input.session_id]);
    expect(rows[0]!.n).toBe(1);
  });

  it('a tool outside --tools gets no answer (Claude Code\'s own permissions apply) and makes no request', async () => {
    const input = hookInput('Read', { file_path: join(dir, 'config.yml') });
    const { code, stdout } = await hook(input, ['--tools', 'Bash|Write|Edit|MultiEdit']).exited;
    expect({ code, stdout }).toEqual({ code: 0, stdout: '' });
    const list = await server.http(org.key).get(`/api/v1/approvals?idempotency_key=${encodeURIComponent(`claude-code:${input.session_id}:${input.tool_use_id}`)}`).expect(200);
    expect(list.body.data).toHaveLength(0);
    // The same from the environment; an MCP tool's name is matched whole.
    const mcp = hookInput('mcp__github__merge_pull_request', { number: 7 });
    const gated = hook(mcp, [], { GREENLIGHT_HOOK_TOOLS: 'Bash|mcp__.*' });
    const request = await requestOf(mcp);
    expect(request.title).toBe('Claude Code: mcp__github__merge_pull_request');
    await server.http(approverKey).patch(`/api/v1/approvals/${request.id}`).send({ decision: 'approve' }).expect(200);
    expect(answerOf((await gated.exited).stdout).hookSpecificOutput.permissionDecision).toBe('allow');
  });

  it('--revocable-for: "allow" only once the window has closed; an approval revoked within it answers "deny" with the reason', async () => {
    const input = hookInput('Bash', { command: 'kubectl delete namespace staging' });
    const run = hook(input, ['--revocable-for', '5m']);
    const request = await requestOf(input);
    await server.http(approverKey).patch(`/api/v1/approvals/${request.id}`).send({ decision: 'approve' }).expect(200);
    await server.http(approverKey).post(`/api/v1/approvals/${request.id}/revoke`).send({ reason: 'staging is being demoed' }).expect(200);
    const { code, stdout } = await run.exited;
    expect(code).toBe(0);
    const answer = answerOf(stdout).hookSpecificOutput;
    expect(answer.permissionDecision).toBe('deny');
    expect(answer.permissionDecisionReason).toContain('A reviewer revoked the approval of this tool call in Greenlight before it ran: staging is being demoed');

    const standing = hookInput('Bash', { command: 'kubectl rollout restart deploy/web' });
    const allowed = hook(standing, [], { GREENLIGHT_HOOK_REVOCABLE_FOR: '1s' });
    const asked = await requestOf(standing);
    await server.http(approverKey).patch(`/api/v1/approvals/${asked.id}`).send({ decision: 'approve' }).expect(200);
    const done = await allowed.exited;
    expect(answerOf(done.stdout).hookSpecificOutput.permissionDecision).toBe('allow');
    const shown = (await server.http(org.key).get(`/api/v1/approvals/${asked.id}`).expect(200)).body as { revocable_until: string };
    expect(Date.now()).toBeGreaterThan(Date.parse(shown.revocable_until));
  });

  it('a wait that runs out answers "deny" and withdraws the request, so nobody approves a call that will never run', async () => {
    const input = hookInput('Bash', { command: 'rm -rf build/' });
    const { code, stdout } = await hook(input, ['--timeout', '1s']).exited;
    expect(code).toBe(0);
    const answer = answerOf(stdout).hookSpecificOutput;
    expect(answer.permissionDecision).toBe('deny');
    expect(answer.permissionDecisionReason).toMatch(/^No decision on this tool call within 1 s; it was not run, and its approval request [0-9a-f-]{36} was withdrawn\./);
    const request = await requestOf(input);
    expect(request.status).toBe('cancelled');
  });
});
