/**
 * The GitHub Action's bundle run as a runner runs a `uses:` step, against a real server: the step's
 * exit code is the decision, its outputs and summary say what was decided, the request carries the
 * run's context, and a retried step never asks twice.
 */
import { describe, expect, it } from 'vitest';
import { WAITING_ON } from '../../../apps/server/src/testing/index.ts';
import { runAction, runnerEnv, useActionWorld } from './run-action.ts';

const world = useActionWorld('GitHub Action');

const { inputs, decide, statusOf } = world;

describe('the step exits with the decision', { timeout: 60_000 }, () => {
  it('approved → 0, with the outcome, the request and its page as outputs, and a line in the job summary', async () => {
    const step = await runAction(inputs('Deploy 3f78685 to production', { priority: 'high', 'action-type': 'deploy.production', metadata: '{"service":"shop"}' }));
    const id = (await step.printed(WAITING_ON))[1]!;
    await decide(id, 'approve', 'Ship it');
    const { code } = await step.exited;
    expect(code).toBe(0);

    const outputs = await step.outputs();
    expect(outputs).toMatchObject({ outcome: 'approved', 'approval-id': id, 'approval-url': `${world.server.url}/requests/${id}`, comment: 'Ship it' });
    expect(JSON.parse(outputs.approval!)).toMatchObject({ id, status: 'approved', priority: 'high', action_type: 'deploy.production' });
    expect(await step.summary()).toContain(`Greenlight: **approved** (“Ship it”) — <a href="${world.server.url}/requests/${id}">the request</a>`);

    const request = (await world.server.http(world.org.key).get(`/api/v1/approvals/${id}`).expect(200)).body;
    expect(request.source).toBe('github-action');
    expect(request.metadata).toEqual({
      service: 'shop',
      github: {
        repository: 'acme/shop',
        workflow: 'Release',
        job: 'deploy',
        run_id: '4242',
        run_number: '17',
        run_attempt: '1',
        event_name: 'push',
        ref: 'refs/heads/main',
        sha: '3f786850e387550fdab836ed7e6dc881de23001b',
        actor: 'octocat',
        run_url: 'https://github.com/acme/shop/actions/runs/4242',
      },
    });
    expect(request.description).toBe('octocat started Release (run 17) on refs/heads/main at 3f78685: https://github.com/acme/shop/actions/runs/4242');
    await step.cleanUp();
  });

  it('a step that asks which region: the approver answers, and the answer is the output `response`', async () => {
    const schema = { type: 'object', properties: { region: { type: 'string', enum: ['eu', 'us'] } }, required: ['region'] };
    const step = await runAction(inputs('Deploy to which region?', { 'response-schema': JSON.stringify(schema) }));
    const id = (await step.printed(WAITING_ON))[1]!;
    expect((await world.server.http(world.org.key).get(`/api/v1/approvals/${id}`).expect(200)).body.response_schema).toEqual(schema);
    await decide(id, 'approve', undefined, { region: 'us' });
    expect((await step.exited).code).toBe(0);
    const outputs = await step.outputs();
    expect(JSON.parse(outputs.response!)).toEqual({ region: 'us' });
    await step.cleanUp();
  });

  it('rejected → 1: the step fails with the reviewer\'s reason, which is also an output', async () => {
    const step = await runAction(inputs('Drop the orders table'));
    const id = (await step.printed(WAITING_ON))[1]!;
    await decide(id, 'reject', 'Not on a Friday');
    const { code, stdout } = await step.exited;
    expect(code).toBe(1);
    expect(stdout).toContain('::error::Greenlight: rejected');
    expect(await step.outputs()).toMatchObject({ outcome: 'rejected', 'approval-id': id, comment: 'Not on a Friday' });
    await step.cleanUp();
  });

  it('no decision within `timeout` → 3, the request left pending for the next attempt to find', async () => {
    const step = await runAction(inputs('Rotate the signing key', { timeout: '1s' }));
    const id = (await step.printed(WAITING_ON))[1]!;
    const { code, stdout } = await step.exited;
    expect(code).toBe(3);
    expect(stdout).toContain('::error::Greenlight: no decision within the timeout');
    expect(await step.outputs()).toMatchObject({ outcome: 'timed_out', 'approval-id': id });
    expect(await statusOf(id)).toBe('pending');
    await step.cleanUp();
  });
});

describe('one request per step of one attempt', { timeout: 60_000 }, () => {
  it('a retried step finds the decided request; a re-run of the job (the next attempt) asks again', async () => {
    const env = runnerEnv({ GITHUB_RUN_ID: '5151' });
    const first = await runAction(inputs('Migrate the billing database'), env);
    const id = (await first.printed(WAITING_ON))[1]!;
    await decide(id, 'approve');
    expect((await first.exited).code).toBe(0);

    const retried = await runAction(inputs('Migrate the billing database'), env);
    expect((await retried.exited).code).toBe(0);
    expect((await retried.outputs())['approval-id']).toBe(id);

    const rerun = await runAction(inputs('Migrate the billing database'), { ...env, GITHUB_RUN_ATTEMPT: '2' });
    const again = (await rerun.printed(WAITING_ON))[1]!;
    expect(again).not.toBe(id);
    await world.server.http(world.org.key).delete(`/api/v1/approvals/${again}`).expect(200);
    expect((await rerun.exited).code).toBe(2);
    expect((await rerun.outputs()).outcome).toBe('cancelled');
    await Promise.all([first.cleanUp(), retried.cleanUp(), rerun.cleanUp()]);
  });

  it('two steps of one job with different titles (a matrix) are two requests', async () => {
    const env = runnerEnv({ GITHUB_RUN_ID: '6161' });
    const eu = await runAction(inputs('Deploy to eu-west-1', { timeout: '1s' }), env);
    const us = await runAction(inputs('Deploy to us-east-1', { timeout: '1s' }), env);
    const [euId, usId] = [(await eu.printed(WAITING_ON))[1], (await us.printed(WAITING_ON))[1]];
    expect(euId).not.toBe(usId);
    await Promise.all([eu.exited, us.exited]);
    await Promise.all([eu.cleanUp(), us.cleanUp()]);
  });
});
