/**
 * Durable engines, security: the stand-ins recompute each call's authentication, so a resume that
 * reaches an engine is one Greenlight made with the org's own credentials; a Step Functions call signed
 * with another key, or altered after signing, is refused by SigV4 (and so is never counted as a
 * resume); wrong org credentials resume nothing (retried, never accepted); one org's decision resumes
 * only its own request's target; an approval revoked before its resume got through resumes as rejected.
 */
import { SFNClient, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { createResumed, engineDeliveries, enginesOrg, enginesSettled, useEnginesWorld, type EnginesWorld } from '../../testing/engines-world.ts';

let w: EnginesWorld;
useEnginesWorld((world) => (w = world), { GREENLIGHT_DELIVERY_SWEEP_MS: '100', GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms' });

const completionsOf = (token: string) => w.triggerDev.accepted((c) => c.path === `/api/v1/waitpoints/tokens/${token}/complete`);
const tasksAnswered = (token: string) => w.sfn.accepted((c) => (c.body as { taskToken?: string }).taskToken === token);

describe('durable engines, security', () => {
  it('the Step Functions stand-in takes only calls SigV4-signed with the key: another secret, or a body changed after signing, is refused', async () => {
    const task = w.sfn.createTaskToken();
    const forged = new SFNClient({ region: w.sfn.region, endpoint: w.sfn.url, maxAttempts: 1, credentials: { accessKeyId: w.sfn.accessKeyId, secretAccessKey: 'x'.repeat(40) } });
    await expect(forged.send(new SendTaskSuccessCommand({ taskToken: task, output: '{}' }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    forged.destroy();
    const otherRegion = new SFNClient({ region: 'us-east-1', endpoint: w.sfn.url, maxAttempts: 1, credentials: { accessKeyId: w.sfn.accessKeyId, secretAccessKey: w.sfn.secretAccessKey } });
    await expect(otherRegion.send(new SendTaskSuccessCommand({ taskToken: task, output: '{}' }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    otherRegion.destroy();
    expect(tasksAnswered(task)).toHaveLength(0);

    // A genuine signed call, replayed with another task token in its body: the signature no longer matches.
    const genuine = new SFNClient({ region: w.sfn.region, endpoint: w.sfn.url, maxAttempts: 1, credentials: { accessKeyId: w.sfn.accessKeyId, secretAccessKey: w.sfn.secretAccessKey } });
    await genuine.send(new SendTaskSuccessCommand({ taskToken: task, output: '{"ok":true}' }));
    genuine.destroy();
    const signed = tasksAnswered(task)[0]!;
    const victim = w.sfn.createTaskToken();
    const headers = Object.fromEntries(
      Object.entries(signed.headers).filter(([k]) => !['content-length', 'connection', 'host'].includes(k)).map(([k, v]) => [k, String(v)]),
    );
    const res = await fetch(`${w.sfn.url}/`, { method: 'POST', headers, body: JSON.stringify({ taskToken: victim, output: '{"ok":true}' }) });
    expect(res.status).toBe(403);
    expect(tasksAnswered(victim)).toHaveLength(0);
  });

  it('with credentials the engine refuses, nothing is resumed: the call is refused and retried, never accepted', async () => {
    const org = await enginesOrg(w);
    await org.admin.http().put('/api/v1/org/engines').send({
      trigger_dev: { secret_key: 'tr_prod_wrongwrongwrong' },
      step_functions: { region: w.sfn.region, access_key_id: w.sfn.accessKeyId, secret_access_key: 'y'.repeat(40) },
    }).expect(200);
    const token = w.triggerDev.createToken();
    const task = w.sfn.createTaskToken();
    const a = await createResumed(w, org, { engine: 'trigger.dev', token });
    const b = await createResumed(w, org, { engine: 'step-functions', task_token: task });
    await org.admin.http().patch(`/api/v1/approvals/${a}`).send({ decision: 'approve' }).expect(200);
    await org.admin.http().patch(`/api/v1/approvals/${b}`).send({ decision: 'approve' }).expect(200);
    await w.triggerDev.until(() => w.triggerDev.calls.filter((c) => c.path.includes(token) && c.status === 401).length >= 2);
    await w.sfn.until(() => w.sfn.calls.filter((c) => c.status === 403 && (c.body as { taskToken?: string }).taskToken === task).length >= 2);
    expect(completionsOf(token)).toHaveLength(0);
    expect(tasksAnswered(task)).toHaveLength(0);
    expect((await engineDeliveries(w, a))[0]!.status).toMatch(/pending|delivering/);
  });

  it("one org's decision resumes only its own request's target, with its own credentials", async () => {
    const one = await enginesOrg(w);
    const two = await enginesOrg(w);
    const t1 = w.triggerDev.createToken();
    const t2 = w.triggerDev.createToken();
    const r1 = await createResumed(w, one, { engine: 'trigger.dev', token: t1 });
    await createResumed(w, two, { engine: 'trigger.dev', token: t2 });
    // Another org's member cannot decide (or even see) it.
    await two.admin.http().patch(`/api/v1/approvals/${r1}`).send({ decision: 'approve' }).expect(404);
    await one.admin.http().patch(`/api/v1/approvals/${r1}`).send({ decision: 'approve' }).expect(200);
    await w.triggerDev.until(() => completionsOf(t1).length === 1);
    await enginesSettled(w, r1);
    expect(completionsOf(t2)).toHaveLength(0);
    expect(w.triggerDev.calls.filter((c) => c.path.includes(t2))).toHaveLength(0);
  });

  it('an approval revoked while its resume is still being retried resumes the engine as rejected, once', async () => {
    const org = await enginesOrg(w);
    const task = w.sfn.createTaskToken();
    const id = await createResumed(w, org, { engine: 'step-functions', task_token: task }, { revocable_for_seconds: 600 });
    // Step Functions is down: the approval's resume waits for its next attempt.
    w.sfn.setDown(true);
    const before = w.sfn.calls.length;
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const refusedOurs = (from: number) => w.sfn.calls.slice(from).filter((c) => c.status === 503 && (c.body as { taskToken?: string } | null)?.taskToken === task).length;
    await w.sfn.until(() => refusedOurs(before) >= 1);
    await org.admin.http().post(`/api/v1/approvals/${id}/revoke`).send({ reason: 'wrong customer' }).expect(200);
    // Two more refusals after the revoke: the second attempt was prepared after the revoke committed.
    const revokedAt = w.sfn.calls.length;
    await w.sfn.until(() => refusedOurs(revokedAt) >= 2);
    w.sfn.setDown(false);
    await w.sfn.until(() => tasksAnswered(task).length === 1);
    await enginesSettled(w, id);
    const [call] = tasksAnswered(task);
    expect(call!.action).toBe('SendTaskFailure');
    expect(JSON.parse((call!.body as { cause: string }).cause)).toMatchObject({ approval_id: id, status: 'rejected', approved: false, revoked: true });
    expect(tasksAnswered(task)).toHaveLength(1);
    expect(await engineDeliveries(w, id)).toHaveLength(1);
  });
});
