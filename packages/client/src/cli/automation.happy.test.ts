/**
 * `greenlight request|wait|get|list|decide|cancel` against a real server, each run as a child
 * process with GREENLIGHT_URL and GREENLIGHT_API_KEY, as a script or a CI job runs it: every exit
 * code from a real decision, one request for one idempotency key across runs, and Ctrl-C with and
 * without --cancel-on-interrupt. The server restarting under a wait: automation-restart.happy.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireDue, runGreenlight, seedOrg, startTestServer, usePolicies, WAITING_ON, type SeededOrg, type TestServer } from '../../../../apps/server/src/testing/index.ts';

let server: TestServer;
let org: SeededOrg;
let approverKey: string;

beforeAll(async () => {
  server = await startTestServer();
  org = await seedOrg(server.db, 'Automation CLI');
  approverKey = (await org.newKey({ name: 'approver' })).key;
});
afterAll(() => server.stop());

const requester = (args: string[], extra: { stdin?: string } = {}) =>
  runGreenlight(args, { url: server.url, apiKey: org.key, ...extra });
const approver = (args: string[]) => runGreenlight(args, { url: server.url, apiKey: approverKey });

/** Starts `request --wait` and answers the id of the request it waits on. */
async function waiting(args: string[]) {
  const run = requester(['request', '--title', `Deploy ${Math.random().toString(36).slice(2)}`, '--wait', ...args]);
  const id = (await run.printed(WAITING_ON))[1]!;
  return { run, id };
}

const statusOf = async (id: string) => (await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200)).body.status as string;

describe('request --wait exits with the decision', { timeout: 60_000 }, () => {
  it('approved → 0, decided with `greenlight decide` by another key; --json prints the outcome and the request', async () => {
    const { run, id } = await waiting(['--json', '--description', 'Production release', '--priority', 'high', '--action-type', 'deploy.production']);
    const decided = await approver(['decide', id, 'approve', '--comment', 'Looks good']).exited;
    expect(decided).toMatchObject({ code: 0 });
    expect(decided.stdout).toMatch(/^Approved: |status +approved/m);

    const { code, stdout } = await run.exited;
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout)).toMatchObject({
      outcome: 'approved',
      approval: { id, status: 'approved', priority: 'high', action_type: 'deploy.production', description: 'Production release', source: 'cli', decision_comment: 'Looks good' },
    });
  });

  it('rejected → 1, printing the reviewer\'s comment', async () => {
    const { run, id } = await waiting([]);
    await server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision: 'reject', comment: 'Not on a Friday' }).expect(200);
    const { code, stdout } = await run.exited;
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Rejected: Deploy /);
    expect(stdout).toMatch(/comment +Not on a Friday/);
    expect(stdout).toContain(`${server.url}/requests/${id}`);
  });

  it('revoked → 1: an approval rescinded within its window is a rejection, and says it was revoked', async () => {
    const created = await server.http(org.key).post('/api/v1/approvals').send({ title: 'Rotate keys', description: '', priority: 'high', revocable_for_seconds: 300 }).expect(201);
    const id = created.body.id as string;
    await server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    await server.http(approverKey).post(`/api/v1/approvals/${id}/revoke`).send({ reason: 'Wrong environment' }).expect(200);
    const { code, stdout } = await requester(['wait', id]).exited;
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Revoked: Rotate keys/);
    expect(stdout).toMatch(/reason +Wrong environment/);
    const json = await requester(['wait', id, '--json']).exited;
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ outcome: 'rejected', approval: { id, status: 'rejected', revocation_reason: 'Wrong environment' } });
  });

  it('--revocable-for: an approval is waited out through its window; revoked within it → 1, the window closed → 0', async () => {
    const { run, id } = await waiting(['--revocable-for', '5m']);
    const { rows } = await server.db.query<{ s: number }>('SELECT revocable_for_seconds AS s FROM approvals WHERE id = $1', [id]);
    expect(rows[0]!.s).toBe(300);
    await server.http(approverKey).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    await run.printed(/Approved; the approval may be revoked until \S+: waiting for that window to close\.\n/);
    await server.http(approverKey).post(`/api/v1/approvals/${id}/revoke`).send({ reason: 'Wrong region' }).expect(200);
    const revoked = await run.exited;
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toMatch(/^Revoked: Deploy /);
    expect(revoked.stdout).toMatch(/reason +Wrong region/);

    const closing = await waiting(['--revocable-for', '1s', '--json']);
    await server.http(approverKey).patch(`/api/v1/approvals/${closing.id}`).send({ decision: 'approve' }).expect(200);
    await closing.run.printed(/Approved; the approval may be revoked until/);
    const { code, stdout } = await closing.run.exited;
    expect(code).toBe(0);
    const { outcome, approval } = JSON.parse(stdout) as { outcome: string; approval: { status: string; revocable_until: string } };
    expect({ outcome, status: approval.status }).toEqual({ outcome: 'approved', status: 'approved' });
    // Exit 0 came only once the window was over: a revoke now is refused.
    expect(Date.now()).toBeGreaterThan(Date.parse(approval.revocable_until));
    const late = await server.http(approverKey).post(`/api/v1/approvals/${closing.id}/revoke`).send({});
    expect(late.status).toBe(409);
    expect(late.body.error.details).toMatchObject({ reason: 'window_closed' });
  });

  it('cancelled → 2, withdrawn with `greenlight cancel` by the key that asked', async () => {
    const { run, id } = await waiting([]);
    const cancelled = await requester(['cancel', id, '--json']).exited;
    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id, status: 'cancelled' });
    const { code, stdout } = await run.exited;
    expect(code).toBe(2);
    expect(stdout).toMatch(/^Cancelled: /);
  });

  it('expired → 2, when --expires-in passes with nobody deciding', async () => {
    const { run, id } = await waiting(['--expires-in', '1s', '--json']);
    const { body } = await server.http(org.key).get(`/api/v1/approvals/${id}`).expect(200);
    while (Date.now() <= Date.parse(body.expires_at as string)) await new Promise((r) => setTimeout(r, 50));
    await expireDue(server.db);
    const { code, stdout } = await run.exited;
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'expired', approval: { id, status: 'expired' } });
  });

  it('timed out waiting → 3, the request left pending; `greenlight wait` then picks it up and exits with the decision', async () => {
    const first = await requester(['request', '--title', 'Rotate keys', '--wait', '--timeout', '1s', '--json']).exited;
    expect(first.code).toBe(3);
    const { outcome, approval } = JSON.parse(first.stdout) as { outcome: string; approval: { id: string; status: string } };
    expect({ outcome, status: approval.status }).toEqual({ outcome: 'timed_out', status: 'pending' });
    expect(first.stderr).toContain(`greenlight wait ${approval.id}`);

    const again = requester(['wait', approval.id]);
    await again.printed(WAITING_ON);
    await server.http(approverKey).patch(`/api/v1/approvals/${approval.id}`).send({ decision: 'approve' }).expect(200);
    expect((await again.exited).code).toBe(0);
  });
});

describe('a request one of the team’s policies decides as it is made', { timeout: 60_000 }, () => {
  it('request --wait exits at once with the policy’s decision (0 approved, 1 rejected) and names the policy', async () => {
    const team = await seedOrg(server.db, 'Policies CLI');
    await usePolicies(server, team);
    const ask = (actionType: string) => runGreenlight(['request', '--title', `Run ${actionType}`, '--action-type', actionType, '--wait'], { url: server.url, apiKey: team.key }).exited;

    const allowed = await ask('read.logs');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^Approved: Run read\.logs/);
    expect(allowed.stdout).toMatch(/decided +\S+ by policy reads-are-safe/);
    const denied = await ask('db.drop');
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/^Rejected: Run db\.drop/);
    expect(denied.stdout).toMatch(/decided +\S+ by policy no-drops/);
    expect(denied.stdout).toMatch(/comment +dropping needs a person/);
  });
});

describe('idempotency', { timeout: 60_000 }, () => {
  it('the same command run twice with one --idempotency-key creates one request (also with --expires-in, counted from each run)', async () => {
    const key = `deploy-${Date.now()}`;
    const args = ['request', '--title', 'Deploy v2.4.0', '--metadata', '{"sha":"abc123","env":"prod"}', '--expires-in', '30m', '--idempotency-key', key, '--json'];
    const first = await requester(args).exited;
    const second = await requester(args).exited;
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(JSON.parse(second.stdout).id).toBe(JSON.parse(first.stdout).id);
    const list = await server.http(org.key).get(`/api/v1/approvals?idempotency_key=${key}`).expect(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ idempotency_key: key, metadata: { sha: 'abc123', env: 'prod' } });
  });

  it('without --idempotency-key each run sends a fresh key: two runs, two requests, each with a key', async () => {
    const [a, b] = await Promise.all([requester(['request', '--title', 'Twice', '--json']).exited, requester(['request', '--title', 'Twice', '--json']).exited]);
    const [x, y] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(x.id).not.toBe(y.id);
    expect(x.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);
    expect(y.idempotency_key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('--metadata @file.json and @- (stdin)', async () => {
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'gl-meta-')), 'meta.json');
    await writeFile(file, '{"ticket":"SUP-1"}');
    const fromFile = await requester(['request', '--title', 'From file', '--metadata', `@${file}`, '--json']).exited;
    expect(JSON.parse(fromFile.stdout).metadata).toEqual({ ticket: 'SUP-1' });
    const fromStdin = await requester(['request', '--title', 'From stdin', '--metadata', '@-', '--json'], { stdin: '{"ticket":"SUP-2"}' }).exited;
    expect(JSON.parse(fromStdin.stdout).metadata).toEqual({ ticket: 'SUP-2' });
  });
});

describe('Ctrl-C', { timeout: 60_000 }, () => {
  it('SIGINT stops waiting and leaves the request pending (exit 130)', async () => {
    const { run, id } = await waiting(['--json']);
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.exited;
    expect(code).toBe(130);
    expect(stderr).toContain(`Interrupted: ${id} is left pending`);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'interrupted', signal: 'SIGINT', cancelled: false, approval_id: id });
    expect(await statusOf(id)).toBe('pending');
  });

  it('SIGINT with --cancel-on-interrupt cancels the request (exit 130)', async () => {
    const { run, id } = await waiting(['--cancel-on-interrupt', '--json']);
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.exited;
    expect(code).toBe(130);
    expect(stderr).toContain(`Interrupted: cancelled ${id}.`);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'interrupted', cancelled: true, approval: { id, status: 'cancelled' } });
    expect(await statusOf(id)).toBe('cancelled');
  });

  it('SIGTERM (a CI job cancelled) with --cancel-on-interrupt on `greenlight wait` cancels too (exit 143)', async () => {
    const { body } = await server.http(org.key).post('/api/v1/approvals').send({ title: 'Waited on', description: '', priority: 'low' }).expect(201);
    const run = requester(['wait', body.id as string, '--cancel-on-interrupt']);
    await run.printed(WAITING_ON);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(143);
    expect(await statusOf(body.id as string)).toBe('cancelled');
  });
});

describe('get and list', { timeout: 60_000 }, () => {
  it('get prints the request; list shows pending requests, filtered', async () => {
    const created = JSON.parse((await requester(['request', '--title', 'Listed one', '--action-type', 'cli.list-test', '--json']).exited).stdout);
    const got = await requester(['get', created.id]).exited;
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^Listed one\n {2}id +[0-9a-f-]{36}\n {2}status +pending/);
    // What the requester may do, as the server answers it (viewer_can).
    expect(got.stdout).toMatch(/^ {2}you may +reject, cancel, comment$/m);
    expect(got.stdout).toMatch(/^ {2}not +approve: You requested this; revoke: Not approved yet; reassign: No step waits to be reassigned; grant: A grant is given by a person: an API key cannot give one$/m);

    const listed = await requester(['list', '--action-type', 'cli.list-test']).exited;
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${created.id}  pending  +medium  .*Listed one$`, 'm'));
    const json = JSON.parse((await requester(['list', '--status', 'all', '--action-type', 'cli.list-test', '--json']).exited).stdout);
    expect(json.data.map((a: { id: string }) => a.id)).toEqual([created.id]);
  });

  it('help lists every command', async () => {
    const { code, stdout } = await runGreenlight(['--help'], { url: server.url }).exited;
    expect(code).toBe(0);
    for (const name of ['request', 'wait', 'get', 'list', 'decide', 'cancel']) expect(stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, 'm'));
    const usage = await runGreenlight(['request', '--help'], { url: server.url }).exited;
    expect(usage.stdout).toContain('--cancel-on-interrupt');
  });
});
