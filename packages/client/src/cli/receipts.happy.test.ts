/**
 * Receipts from the command line against a real server: `greenlight execution` reports one, and
 * `greenlight run` / `request --run` asks, waits, runs the command only on an approval, and reports
 * started then succeeded or failed with the exit code. A command that was not approved never runs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGreenlight, useCliWorld, WAITING_ON, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';

let server: TestServer;
let org: SeededOrg;
let approverKey: string;
let dir: string;

useCliWorld('Receipts CLI', (w) => ({ server, org, approverKey, dir } = w));

const cli = (args: string[], extra: { apiKey?: string } = {}) => runGreenlight(args, { url: server.url, apiKey: extra.apiKey ?? org.key });
const decide = (id: string, decision: 'approve' | 'reject', comment?: string) =>
  server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision, ...(comment ? { comment } : {}) }).expect(200);
const receiptsOf = async (id: string) =>
  ((await server.http(org.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data as { type: string; data: { status: string; message: string; url: string | null } }[])
    .filter((e) => e.type === 'approval.execution_reported')
    .map((e) => e.data);

/** A command that appends a line to a file: whether (and how often) it ran. */
const marker = (name: string, exitCode = 0) => [
  process.execPath,
  '-e',
  `require('fs').appendFileSync(${JSON.stringify(join(dir, name))}, 'ran ' + process.env.GREENLIGHT_APPROVAL_ID + '\\n'); console.log('deploying'); process.exit(${exitCode})`,
];
const ranLines = async (name: string) => (await readFile(join(dir, name), 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('greenlight execution', { timeout: 60_000 }, () => {
  it('reports started, then succeeded with a message and a link; refused before the approval and once final (exit 4)', async () => {
    const id = (await server.http(org.key).post('/api/v1/approvals').send({ title: 'Rotate the DB password', description: '', priority: 'high' }).expect(201)).body.id as string;
    const early = await cli(['execution', id, 'started']).exited;
    expect(early.code).toBe(4);
    expect(early.stderr).toMatch(/execution can be reported only for an approved request; this one is pending/);

    await decide(id, 'approve');
    const started = await cli(['execution', id, 'started', '--message', 'Rotating']).exited;
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/execution +started — Rotating/);
    const done = await cli(['execution', id, 'succeeded', '--message', 'Rotated', '--link', 'https://ci.example.com/runs/9', '--json']).exited;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ id, execution: { status: 'succeeded', message: 'Rotated', url: 'https://ci.example.com/runs/9' } });
    expect(await receiptsOf(id)).toEqual([
      { status: 'started', message: 'Rotating', url: null, previous_status: null },
      { status: 'succeeded', message: 'Rotated', url: 'https://ci.example.com/runs/9', previous_status: 'started' },
    ]);

    const again = await cli(['execution', id, 'failed', '--json']).exited;
    expect(again.code).toBe(4);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'INVALID_STATUS' } });
  });

  it.each([
    [['execution', '00000000-0000-4000-8000-000000000000', 'done'], 'error: the status is started, succeeded, failed, not "done"'],
    [['execution', '00000000-0000-4000-8000-000000000000', 'succeeded', '--link', 'ftp://example.com/x'], 'error: --link must be an http(s) URL'],
    [['execution', '00000000-0000-4000-8000-000000000000'], 'error: missing started|succeeded|failed'],
    [['run', '--title', 'x'], 'error: --run needs the command after --'],
    [['request', '--title', 'x', '--', 'ls'], 'error: a command after -- goes with --run'],
    [['run', '--title', 'x', '--link', 'not a url', '--', 'ls'], 'error: --link must be an http(s) URL'],
  ])('usage: %j → exit 4, nothing sent', async (args, message) => {
    const { code, stderr } = await cli(args).exited;
    expect(code).toBe(4);
    expect(stderr).toContain(message);
  });
});

describe('greenlight run / request --run', { timeout: 60_000 }, () => {
  it('approved: runs the command (its output is its own), reports started then succeeded, exits 0; the same key never runs it twice', async () => {
    const key = `deploy-${Date.now()}`;
    const args = ['run', '--title', 'Deploy v2.4.0', '--idempotency-key', key, '--link', 'https://ci.example.com/jobs/1', '--', ...marker('deploy.log')];
    const run = cli(args);
    const id = (await run.printed(WAITING_ON))[1]!;
    expect(await ranLines('deploy.log')).toEqual([]);
    await decide(id, 'approve', 'Ship it');
    const { code, stdout, stderr } = await run.exited;
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('deploying\n');
    expect(stderr).toMatch(/^Approved: Deploy v2\.4\.0/m);
    expect(stderr).toContain(`Exit code 0; reported succeeded to Greenlight: ${server.url}/requests/${id}`);
    expect(await ranLines('deploy.log')).toEqual([`ran ${id}`]);
    const shown = (await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(shown.execution).toMatchObject({ status: 'succeeded', url: 'https://ci.example.com/jobs/1' });
    expect(await receiptsOf(id)).toEqual([
      expect.objectContaining({ status: 'started', message: expect.stringMatching(/^Running: .*node/) }),
      expect.objectContaining({ status: 'succeeded', message: expect.stringMatching(/^Exit code 0: /) }),
    ]);

    // Run again with the same key (a re-run CI job): the approval was spent, the command does not run.
    const second = await cli(args).exited;
    expect(second.code).toBe(4);
    expect(second.stderr).toContain('Not running');
    expect(second.stderr).toMatch(/execution was already reported succeeded, which is final/);
    expect(await ranLines('deploy.log')).toEqual([`ran ${id}`]);
  });

  it('approved, the command fails: its exit code is the exit code, and the receipt says failed with it (--json after the command)', async () => {
    const run = cli(['request', '--title', 'Migrate', '--run', '--json', '--', ...marker('migrate.log', 3)]);
    const id = (await run.printed(WAITING_ON))[1]!;
    await decide(id, 'approve');
    const { code, stdout } = await run.exited;
    expect(code).toBe(3);
    const [printed, json] = stdout.trimEnd().split('\n');
    expect(printed).toBe('deploying');
    expect(JSON.parse(json!)).toMatchObject({ outcome: 'approved', ran: true, exit_code: 3, signal: null, execution_status: 'failed', approval: { id, execution: { status: 'failed' } } });
    expect((await receiptsOf(id)).map((r) => [r.status, r.message.split(':')[0]])).toEqual([
      ['started', 'Running'],
      ['failed', 'Exit code 3'],
    ]);
  });

  it('rejected: the command never runs, no receipt, exit 1 (--json says ran: false)', async () => {
    const run = cli(['run', '--title', 'Drop the staging DB', '--json', '--', ...marker('drop.log')]);
    const id = (await run.printed(WAITING_ON))[1]!;
    await decide(id, 'reject', 'Staging is in use');
    const { code, stdout, stderr } = await run.exited;
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'rejected', ran: false, approval: { id, decision_comment: 'Staging is in use' } });
    expect(stderr).toMatch(/Not running .*: the request is rejected\./);
    expect(await ranLines('drop.log')).toEqual([]);
    expect(await receiptsOf(id)).toEqual([]);
  });

  it('--revocable-for: the command waits for the window to close; revoked within it → it never runs, no receipt, exit 1', async () => {
    const run = cli(['run', '--title', 'Purge the CDN', '--revocable-for', '5m', '--json', '--', ...marker('purge.log')]);
    const id = (await run.printed(WAITING_ON))[1]!;
    await decide(id, 'approve');
    await run.printed(/Approved; the approval may be revoked until \S+: waiting for that window to close\.\n/);
    expect(await ranLines('purge.log')).toEqual([]);
    await server.http(approverKey).post(`/api/v1/approvals/${id}/revoke`).send({ reason: 'Peak traffic' }).expect(200);
    const { code, stdout, stderr } = await run.exited;
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'rejected', ran: false, approval: { id, status: 'rejected', revocation_reason: 'Peak traffic' } });
    expect(stderr).toMatch(/Not running .*: the request is rejected\./);
    expect(await ranLines('purge.log')).toEqual([]);
    expect(await receiptsOf(id)).toEqual([]);
  });

  it('--revocable-for: once the window has closed with the approval standing, the command runs with its receipts', async () => {
    const run = cli(['run', '--title', 'Reindex search', '--revocable-for', '1s', '--', ...marker('reindex.log')]);
    const id = (await run.printed(WAITING_ON))[1]!;
    await decide(id, 'approve');
    await run.printed(/Approved; the approval may be revoked until/);
    const { code, stderr } = await run.exited;
    expect(code, stderr).toBe(0);
    expect(await ranLines('reindex.log')).toEqual([`ran ${id}`]);
    const shown = (await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200)).body as { revocable_until: string };
    const started = (await server.http(org.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data.find(
      (e: { type: string; data: { status: string } }) => e.type === 'approval.execution_reported' && e.data.status === 'started',
    ) as { created_at: string };
    // `started` was reported only after the window's end.
    expect(Date.parse(started.created_at)).toBeGreaterThan(Date.parse(shown.revocable_until));
    expect((await receiptsOf(id)).map((r) => r.status)).toEqual(['started', 'succeeded']);
  });

  it('timed out: the command never runs, exit 3; a command that cannot be found is reported failed, exit 127', async () => {
    const timedOut = await cli(['run', '--title', 'Nobody answers', '--timeout', '1s', '--', ...marker('late.log')]).exited;
    expect(timedOut.code).toBe(3);
    expect(timedOut.stderr).toMatch(/Not running .*: the request is still pending\./);
    expect(await ranLines('late.log')).toEqual([]);

    const run = cli(['run', '--title', 'Typo', '--', 'definitely-not-a-command-xyz', '--flag']);
    const id = (await run.printed(WAITING_ON))[1]!;
    await decide(id, 'approve');
    const { code } = await run.exited;
    expect(code).toBe(127);
    expect((await receiptsOf(id)).map((r) => r.status)).toEqual(['started', 'failed']);
    expect((await receiptsOf(id))[1]!.message).toMatch(/^Could not start definitely-not-a-command-xyz: ENOENT/);
  });
});
