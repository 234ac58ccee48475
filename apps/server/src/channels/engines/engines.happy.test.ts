/**
 * Durable engines against local stand-ins of Trigger.dev, AWS Step Functions and Inngest: a request
 * naming a resume target resumes it exactly once when it ends, with the decision, authenticated as the
 * engine requires (the project's secret key; a SigV4 signature the stand-in recomputes; the event key),
 * and a request's resume never reaches another request's token.
 */
import { describe, expect, it } from 'vitest';
import { inngestEventId } from '@greenlight/contract';
import { usePolicies } from '../../testing/policies.ts';
import { expireDue } from '../../core/approvals/index.ts';
import { createResumed, engineDeliveries, enginesOrg, enginesSettled, useEnginesWorld, type EnginesWorld } from '../../testing/engines-world.ts';

let w: EnginesWorld;
useEnginesWorld((world) => (w = world));

const completionsOf = (token: string) => w.triggerDev.accepted((c) => c.path === `/api/v1/waitpoints/tokens/${token}/complete`);
const tasksAnswered = (token: string) => w.sfn.accepted((c) => (c.body as { taskToken?: string }).taskToken === token);
const eventsFor = (approvalId: string) => w.inngest.events().filter((e) => e.data.approval_id === approvalId);

describe('durable engines', () => {
  it('an approval with edits: the engine is resumed with the digest of the content as approved (docs/answers.md)', async () => {
    const org = await enginesOrg(w);
    const token = w.triggerDev.createToken();
    const id = await createResumed(w, org, { engine: 'trigger.dev', token }, { metadata: { query: 'SELECT *' }, editable: ['metadata.query'] });
    const asked = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}`).expect(200)).body.approved_content_sha256 as string;
    const decided = (await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', edits: { 'metadata.query': 'SELECT id' } }).expect(200)).body;
    expect(decided.approved_content_sha256).not.toBe(asked);
    await w.triggerDev.until(() => completionsOf(token).length === 1);
    expect((completionsOf(token)[0]!.body as { data: { approved_content_sha256: string } }).data.approved_content_sha256).toBe(decided.approved_content_sha256);
  });

  it('Trigger.dev: approving completes the waitpoint token once, with the decision as its output; another request\'s token is untouched', async () => {
    const org = await enginesOrg(w);
    const token = w.triggerDev.createToken();
    const other = w.triggerDev.createToken();
    const id = await createResumed(w, org, { engine: 'trigger.dev', token });
    const otherId = await createResumed(w, org, { engine: 'trigger.dev', token: other });
    expect(completionsOf(token)).toHaveLength(0);

    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve', comment: 'Ship it' }).expect(200);
    await w.triggerDev.until(() => completionsOf(token).length === 1);
    await enginesSettled(w, id);
    const [call] = completionsOf(token);
    expect(call!.headers.authorization).toBe(`Bearer ${w.triggerDev.secretKey}`);
    expect(call!.body).toEqual({
      data: {
        approval_id: id,
        status: 'approved',
        approved: true,
        revoked: false,
        decided_by: expect.any(String),
        comment: 'Ship it',
        ended_at: expect.any(String),
        approved_content_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        url: expect.stringContaining(`/requests/${id}`),
      },
    });
    // The digest is the one the decision event carries.
    const ev = (await w.server.http(org.seed.key).get(`/api/v1/approvals/${id}/events`).expect(200)).body.data.find((e: { type: string }) => e.type === 'approval.approved');
    expect((call!.body as { data: { approved_content_sha256: string } }).data.approved_content_sha256).toBe(ev.data.approved_content_sha256);
    expect(await engineDeliveries(w, id)).toEqual([{ status: 'delivered', attempts: 1 }]);
    expect(completionsOf(other)).toHaveLength(0);
    expect(w.triggerDev.calls.filter((c) => c.path.includes(other))).toHaveLength(0);

    await org.admin.http().patch(`/api/v1/approvals/${otherId}`).send({ decision: 'reject', comment: 'No' }).expect(200);
    await w.triggerDev.until(() => completionsOf(other).length === 1);
    await enginesSettled(w, otherId);
    expect(completionsOf(other)[0]!.body).toMatchObject({ data: { approval_id: otherId, status: 'rejected', approved: false, approved_content_sha256: null, comment: 'No' } });
    expect(completionsOf(token)).toHaveLength(1);
  });

  it('Step Functions: approving is one SigV4-signed SendTaskSuccess with the decision as output; rejecting one SendTaskFailure', async () => {
    const org = await enginesOrg(w);
    const yes = w.sfn.createTaskToken();
    const no = w.sfn.createTaskToken();
    const yesId = await createResumed(w, org, { engine: 'step-functions', task_token: yes });
    const noId = await createResumed(w, org, { engine: 'step-functions', task_token: no });

    await org.admin.http().patch(`/api/v1/approvals/${yesId}`).send({ decision: 'approve' }).expect(200);
    await w.sfn.until(() => tasksAnswered(yes).length === 1);
    await enginesSettled(w, yesId);
    const [ok] = tasksAnswered(yes);
    expect(ok!.action).toBe('SendTaskSuccess');
    expect(ok!.headers['x-amz-target']).toBe('AWSStepFunctions.SendTaskSuccess');
    // Accepted only after the stand-in recomputed the SigV4 signature with the org's secret key.
    expect(ok!.as).toBe(w.sfn.accessKeyId);
    expect(String(ok!.headers.authorization)).toContain(`Credential=${w.sfn.accessKeyId}/`);
    expect(String(ok!.headers.authorization)).toContain(`/${w.sfn.region}/states/aws4_request`);
    expect(JSON.parse((ok!.body as { output: string }).output)).toMatchObject({ approval_id: yesId, status: 'approved', approved: true });
    expect(tasksAnswered(no)).toHaveLength(0);

    await org.admin.http().patch(`/api/v1/approvals/${noId}`).send({ decision: 'reject', comment: 'Too risky' }).expect(200);
    await w.sfn.until(() => tasksAnswered(no).length === 1);
    await enginesSettled(w, noId);
    const [failed] = tasksAnswered(no);
    expect(failed!.action).toBe('SendTaskFailure');
    const body = failed!.body as { taskToken: string; error: string; cause: string };
    expect(body.error).toBe('Greenlight.Rejected');
    expect(JSON.parse(body.cause)).toMatchObject({ approval_id: noId, status: 'rejected', approved: false, comment: 'Too risky' });
    expect(tasksAnswered(yes)).toHaveLength(1);
    expect(await engineDeliveries(w, noId)).toEqual([{ status: 'delivered', attempts: 1 }]);
  });

  it('Inngest: the request\'s end is one event, named as asked, its data the decision with the target\'s own fields', async () => {
    const org = await enginesOrg(w);
    const id = await createResumed(w, org, { engine: 'inngest', event: 'shop/refund.decided', data: { order_id: 'ord_4821', approval_id: 'spoofed' } });
    const otherId = await createResumed(w, org, { engine: 'inngest', event: 'shop/refund.decided' });
    await org.admin.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    await w.inngest.until(() => eventsFor(id).length === 1);
    await enginesSettled(w, id);
    const [call] = w.inngest.accepted();
    expect(call!.path).toBe(`/e/${w.inngest.eventKey}`);
    const [event] = eventsFor(id);
    expect(event).toMatchObject({ name: 'shop/refund.decided', id: inngestEventId(id), data: { order_id: 'ord_4821', approval_id: id, status: 'approved', approved: true } });
    expect(eventsFor(otherId)).toHaveLength(0);
    expect(w.inngest.events().filter((e) => e.data.approval_id === 'spoofed')).toHaveLength(0);
  });

  it('expired and cancelled requests resume their engine as not approved', async () => {
    const org = await enginesOrg(w);
    const task = w.sfn.createTaskToken();
    const token = w.triggerDev.createToken();
    const cancelled = await createResumed(w, org, { engine: 'step-functions', task_token: task });
    await w.server.http(org.seed.key).delete(`/api/v1/approvals/${cancelled}`).expect(200);
    await w.sfn.until(() => tasksAnswered(task).length === 1);
    expect(tasksAnswered(task)[0]!.body).toMatchObject({ error: 'Greenlight.Cancelled' });

    const expiring = await createResumed(w, org, { engine: 'trigger.dev', token }, { expires_at: new Date(Date.now() + 1000).toISOString() });
    // The expiry sweep, run here rather than waited for: until it has expired this request.
    while ((await w.server.db.query<{ status: string }>('SELECT status FROM approvals WHERE id = $1', [expiring])).rows[0]!.status === 'pending') {
      await expireDue(w.server.db);
      await new Promise((r) => setTimeout(r, 100));
    }
    await w.triggerDev.until(() => completionsOf(token).length === 1);
    expect(completionsOf(token)[0]!.body).toMatchObject({ data: { approval_id: expiring, status: 'expired', approved: false, decided_by: null } });
  });

  it('a request a policy decides as it is created resumes its engine too, once', async () => {
    const org = await enginesOrg(w);
    await usePolicies(w.server, org.seed, `@id("low-is-fine")\n@reason("low priority needs no person")\npermit (principal, action, resource) when { resource.priority == "low" };\n`);
    const token = w.triggerDev.createToken();
    const id = await createResumed(w, org, { engine: 'trigger.dev', token }, { priority: 'low' });
    await w.triggerDev.until(() => completionsOf(token).length === 1);
    await enginesSettled(w, id);
    expect(completionsOf(token)[0]!.body).toMatchObject({ data: { approval_id: id, status: 'approved' } });
    expect(await engineDeliveries(w, id)).toEqual([{ status: 'delivered', attempts: 1 }]);
  });

  it('the credentials are set by an admin, stored sealed, and never shown', async () => {
    const org = await enginesOrg(w);
    const res = await org.admin.http().get('/api/v1/org/engines').expect(200);
    expect(res.body).toMatchObject({
      trigger_dev: { configured: true, secret_key: { configured: true } },
      step_functions: { configured: true, region: w.sfn.region, access_key_id: w.sfn.accessKeyId, secret_access_key: { configured: true } },
      inngest: { configured: true, event_key: { configured: true } },
    });
    const text = JSON.stringify(res.body);
    for (const secret of [w.triggerDev.secretKey, w.sfn.secretAccessKey, w.inngest.eventKey]) expect(text).not.toContain(secret);
    const { rows } = await w.server.db.query<Record<string, string>>('SELECT * FROM engine_settings WHERE org_id = $1', [org.seed.org.id]);
    const stored = JSON.stringify(rows[0]);
    for (const secret of [w.triggerDev.secretKey, w.sfn.secretAccessKey, w.inngest.eventKey]) expect(stored).not.toContain(secret);
    // A target is sealed at rest too (a task token is the waiting execution's credential).
    const task = w.sfn.createTaskToken();
    const id = await createResumed(w, org, { engine: 'step-functions', task_token: task });
    const { rows: targets } = await w.server.db.query<{ target: string }>('SELECT target FROM engine_resumes WHERE approval_id = $1', [id]);
    expect(targets[0]!.target).not.toContain(task);

    await org.admin.http().put('/api/v1/org/engines').send({ inngest: null }).expect(200);
    expect((await org.admin.http().get('/api/v1/org/engines').expect(200)).body).toMatchObject({ inngest: { configured: false }, trigger_dev: { configured: true } });
    const { rows: audit } = await w.server.db.query<{ type: string }>("SELECT type FROM audit_log WHERE org_id = $1 AND type LIKE 'engines.%' ORDER BY id", [org.seed.org.id]);
    expect(audit.map((r) => r.type)).toEqual(['engines.configured', 'engines.removed']);
  });
});
