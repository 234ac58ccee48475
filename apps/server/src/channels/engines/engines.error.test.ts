/**
 * Durable engines when things go wrong: an engine that fails (5xx, throttled) is retried until it takes
 * the resume, once; the emergency stop holds a resume until it ends; a resume the engine refuses for
 * good (an unknown token) fails without retries; a bad resume target, or one naming an engine the org
 * has not configured, is a 400 and makes no request.
 */
import { describe, expect, it } from 'vitest';
import { approvalBody } from '../../testing/harness.ts';
import { createResumed, engineDeliveries, enginesOrg, enginesSettled, useEnginesWorld, type EnginesWorld } from '../../testing/engines-world.ts';

let w: EnginesWorld;
useEnginesWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms' });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const completionsOf = (token: string) => w.triggerDev.accepted((c) => c.path === `/api/v1/waitpoints/tokens/${token}/complete`);
const tasksAnswered = (token: string) => w.sfn.accepted((c) => (c.body as { taskToken?: string }).taskToken === token);

async function deliveryStatus(approvalId: string, done: (s: string) => boolean): Promise<string> {
  for (const end = Date.now() + 10_000; ; await sleep(25)) {
    const [row] = await engineDeliveries(w, approvalId);
    if ((row && done(row.status)) || Date.now() > end) return row?.status ?? 'none';
  }
}

async function requestCount(orgId: string): Promise<number> {
  const { rows } = await w.server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM approvals WHERE org_id = $1', [orgId]);
  return rows[0]!.n;
}

describe('durable engine errors', () => {
  it('a failing Trigger.dev is retried until it takes the resume, and the token is completed once', async () => {
    const org = await enginesOrg(w);
    const token = w.triggerDev.createToken();
    const id = await createResumed(w, org, { engine: 'trigger.dev', token });
    w.triggerDev.fail(503, 2);
    const before = w.triggerDev.calls.length;
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    await w.triggerDev.until(() => completionsOf(token).length === 1);
    await enginesSettled(w, id);
    expect(w.triggerDev.calls.slice(before).map((c) => c.status)).toEqual([503, 503, 200]);
    expect(await engineDeliveries(w, id)).toEqual([{ status: 'delivered', attempts: 3 }]);
    const { rows } = await w.server.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id WHERE d.approval_id = $1 AND d.channel = 'engines'",
      [id],
    );
    expect(rows[0]!.n).toBe(3);
  });

  it('a throttled or failing Step Functions is retried, and the task answered once; Inngest likewise', async () => {
    const org = await enginesOrg(w);
    const task = w.sfn.createTaskToken();
    const id = await createResumed(w, org, { engine: 'step-functions', task_token: task });
    w.sfn.fail(429, 1);
    w.sfn.fail(500, 1);
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'reject' }).expect(200);
    await w.sfn.until(() => tasksAnswered(task).length === 1);
    await enginesSettled(w, id);
    expect(await engineDeliveries(w, id)).toEqual([{ status: 'delivered', attempts: 3 }]);

    const ev = await createResumed(w, org, { engine: 'inngest', event: 'app/decided' });
    w.inngest.fail(502, 1);
    await org.admin.http().patch(`/api/v1/approvals/${ev}`).send({ decision: 'approve' }).expect(200);
    await w.inngest.until(() => w.inngest.events().some((e) => e.data.approval_id === ev));
    await enginesSettled(w, ev);
    expect(await engineDeliveries(w, ev)).toEqual([{ status: 'delivered', attempts: 2 }]);
    expect(w.inngest.events().filter((e) => e.data.approval_id === ev)).toHaveLength(1);
  });

  it('the emergency stop holds the resume until it ends, then it is sent once', async () => {
    const org = await enginesOrg(w);
    const token = w.triggerDev.createToken();
    const id = await createResumed(w, org, { engine: 'trigger.dev', token });
    // Trigger.dev refuses until the stop is on, so the resume is still queued when the stop comes.
    w.triggerDev.setDown(true);
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    await w.triggerDev.until(() => w.triggerDev.calls.some((c) => c.path.includes(token) && c.status === 503));
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    await deliveryStatus(id, (s) => s !== 'delivering');
    w.triggerDev.setDown(false);
    const seen = w.triggerDev.calls.length;
    // The held row is due all along and the workers sweep every 100 ms: six sweeps pass, nothing is sent or dropped.
    await sleep(600);
    expect(w.triggerDev.calls.length).toBe(seen);
    expect((await engineDeliveries(w, id))[0]!.status).toBe('pending');
    await org.admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    await w.triggerDev.until(() => completionsOf(token).length === 1);
    await enginesSettled(w, id);
    expect(completionsOf(token)).toHaveLength(1);
    expect(completionsOf(token)[0]!.body).toMatchObject({ data: { approval_id: id, status: 'approved' } });
  });

  it('a resume the engine refuses for good (an unknown token, a task that no longer waits) fails without retries', async () => {
    const org = await enginesOrg(w);
    const id = await createResumed(w, org, { engine: 'trigger.dev', token: 'waitpoint_neverissued' });
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    expect(await deliveryStatus(id, (s) => s === 'failed')).toBe('failed');
    expect(await engineDeliveries(w, id)).toEqual([{ status: 'failed', attempts: 1 }]);

    const gone = await createResumed(w, org, { engine: 'step-functions', task_token: 'AQBnotatokenthestandinissued' });
    await org.admin.http().patch(`/api/v1/approvals/${gone}`).send({ decision: 'approve' }).expect(200);
    expect(await deliveryStatus(gone, (s) => s === 'failed')).toBe('failed');
    expect(await engineDeliveries(w, gone)).toEqual([{ status: 'failed', attempts: 1 }]);
    // The failure is in the delivery log with its target.
    const log = await org.admin.http().get('/api/v1/deliveries').query({ approval_id: gone }).expect(200);
    expect(JSON.stringify(log.body)).toContain(`engine:step-functions:${gone}`);
  });

  it.each([
    ['an unknown engine', { engine: 'temporal', workflow_id: 'wf-1' }, 'resume.engine'],
    ['a Trigger.dev token that is not a waitpoint id', { engine: 'trigger.dev', token: 'https://evil.example/x' }, 'resume.token'],
    ['a Trigger.dev target without its token', { engine: 'trigger.dev' }, 'resume.token'],
    ['a Step Functions target with a field of another engine', { engine: 'step-functions', task_token: 'AQB1', token: 'waitpoint_1' }, 'resume'],
    ['a task token with whitespace', { engine: 'step-functions', task_token: 'AQB 1' }, 'resume.task_token'],
    ['a task token too long', { engine: 'step-functions', task_token: 'A'.repeat(2049) }, 'resume.task_token'],
    ['an Inngest event name with spaces', { engine: 'inngest', event: 'app decided' }, 'resume.event'],
    ['Inngest data that is not an object', { engine: 'inngest', event: 'app/decided', data: ['x'] }, 'resume.data'],
    ['a resume that is a string', 'waitpoint_abc', 'resume'],
  ])('%s is a 400 naming the field, and no request is made', async (_what, resume, path) => {
    const org = await enginesOrg(w);
    const res = await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody({ resume })).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    const paths = (res.body.error.details.issues as { path: string | string[] }[]).map((i) => (Array.isArray(i.path) ? i.path.join('.') : i.path));
    expect(paths.some((p) => p === path || p.startsWith(`${path}.`) || (path === 'resume' && p.startsWith('resume')))).toBe(true);
    expect(await requestCount(org.seed.org.id)).toBe(0);
  });

  it('naming an engine the org has not configured is a 400 that says so, and no request is made', async () => {
    const org = await enginesOrg(w, ['trigger_dev']);
    const res = await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody({ resume: { engine: 'step-functions', task_token: w.sfn.createTaskToken() } })).expect(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('AWS Step Functions is not configured') });
    expect(res.body.error.details.issues[0].path).toEqual('resume.engine');
    expect(await requestCount(org.seed.org.id)).toBe(0);
  });

  it('bad credentials are a 400 naming the field, and nothing is stored', async () => {
    const org = await enginesOrg(w, []);
    for (const body of [
      { trigger_dev: { secret_key: 'not-a-key' } },
      { step_functions: { region: 'Mars', access_key_id: 'AKIAABCDEFGHIJKLMNOP', secret_access_key: 'x'.repeat(40) } },
      { step_functions: { region: 'eu-west-1', access_key_id: 'AKIAABCDEFGHIJKLMNOP' } },
      { inngest: { event_key: 'short' } },
      { github: { app_id: 1 } },
    ]) {
      const res = await org.admin.http().put('/api/v1/org/engines').send(body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect((await org.admin.http().get('/api/v1/org/engines').expect(200)).body).toMatchObject({
      trigger_dev: { configured: false },
      step_functions: { configured: false },
      inngest: { configured: false },
      updated_at: null,
    });
  });
});
