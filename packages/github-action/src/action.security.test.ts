/**
 * What the action must never do: show the API key, continue on anything but an approval of its own
 * request, or leave a request pending behind a cancelled job (unless told to).
 */
import { describe, expect, it } from 'vitest';
import { WAITING_ON } from '../../../apps/server/src/testing/index.ts';
import { runAction, runnerEnv, useActionWorld } from './run-action.ts';

const world = useActionWorld('GitHub Action security');

const { inputs, decide, statusOf } = world;

describe('the GitHub Action fails closed', { timeout: 60_000 }, () => {
  it('masks the API key before anything else is printed, and never prints it otherwise', async () => {
    const step = await runAction(inputs('Publish the package'));
    const id = (await step.printed(WAITING_ON))[1]!;
    await decide(id, 'approve');
    const { code, stdout, stderr } = await step.exited;
    expect(code).toBe(0);
    expect(stdout.startsWith(`::add-mask::${world.org.key}\n`)).toBe(true);
    expect(stdout.split(world.org.key)).toHaveLength(2);
    expect(stderr).not.toContain(world.org.key);
    expect(JSON.stringify(await step.outputs())).not.toContain(world.org.key);
    await step.cleanUp();
  });

  it("another request's approval does not continue this step: only its own decision ends it", async () => {
    const env = runnerEnv({ GITHUB_RUN_ID: '7171' });
    const mine = await runAction(inputs('Delete the staging cluster'), env);
    const theirs = await runAction(inputs('Delete the staging cluster'), { ...env, GITHUB_JOB: 'other' });
    const [mineId, theirsId] = [(await mine.printed(WAITING_ON))[1]!, (await theirs.printed(WAITING_ON))[1]!];
    expect(mineId).not.toBe(theirsId);
    await decide(theirsId, 'approve');
    expect((await theirs.exited).code).toBe(0);
    await decide(mineId, 'reject', 'No');
    expect((await mine.exited).code).toBe(1);
    expect((await mine.outputs()).outcome).toBe('rejected');
    await Promise.all([mine.cleanUp(), theirs.cleanUp()]);
  });

  it('a cancelled job (the runner sends SIGINT) withdraws its request; with cancel-on-interrupt false it stays pending', async () => {
    const cancelled = await runAction(inputs('Scale down production'));
    const id = (await cancelled.printed(WAITING_ON))[1]!;
    cancelled.child.kill('SIGINT');
    const { code } = await cancelled.exited;
    expect(code).toBe(130);
    expect(await statusOf(id)).toBe('cancelled');

    const kept = await runAction(inputs('Scale up production', { 'cancel-on-interrupt': 'false' }));
    const keptId = (await kept.printed(WAITING_ON))[1]!;
    kept.child.kill('SIGINT');
    expect((await kept.exited).code).toBe(130);
    expect(await statusOf(keptId)).toBe('pending');
    await Promise.all([cancelled.cleanUp(), kept.cleanUp()]);
  });
});
