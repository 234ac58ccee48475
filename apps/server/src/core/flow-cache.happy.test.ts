/**
 * The flow cache of two processes on one database (two caches, each listening as a server's does):
 * a run's create reads a flow's version once; a change or a deletion drops the writer's entry at once
 * and the other's when the notification arrives; a read that a change overtook is not kept. Runs on
 * PGlite and on Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, seedOrg, type TestDatabase } from '../testing/harness.ts';
import { SYSTEM_ACTOR } from './audit.ts';
import { createFlow, deleteFlow, readCurrentVersion, updateFlow } from '../modules/flows/flows.ts';
import { FlowCache, FLOWS_CHANNEL } from './flow-cache.ts';

let t: TestDatabase;
const here = new FlowCache(readCurrentVersion);
const there = new FlowCache(readCurrentVersion);
beforeAll(async () => {
  t = await openTestDatabase();
  await here.start(t.db);
  await there.start(t.db);
}, 60_000);
afterAll(async () => {
  await here.close();
  await there.close();
  await t.drop();
}, 60_000);

/** Listens on FLOWS_CHANNEL as the caches do (after them): `heard` resolves once the org's next announcement was. */
async function announcement(orgId: string): Promise<{ heard: Promise<void> }> {
  let heard!: () => void;
  const arrived = new Promise<void>((resolve) => (heard = resolve));
  const stop = await t.db.listen(FLOWS_CHANNEL, (payload) => {
    if (payload === orgId) heard();
  });
  return { heard: arrived.finally(() => stop()) };
}

async function oneStepFlow(orgId: string, userId: string) {
  return createFlow(t.db, orgId, { name: `f-${crypto.randomUUID()}`, steps: [{ approvers: { user_ids: [userId], team_ids: [] }, quorum: 1 }], on_expiry: 'expire' }, SYSTEM_ACTOR);
}

describe('FlowCache', () => {
  it('reads a version once and shares it frozen; a change reaches the writer at once and the other process when announced', async () => {
    const seed = await seedOrg(t.db);
    const flow = await oneStepFlow(seed.org.id, seed.admin.id);
    const first = await there.versionOf(t.db, seed.org.id, flow.id);
    expect(first).toMatchObject({ version: 1, definition: { on_expiry: 'expire' } });
    expect(await there.versionOf(t.db, seed.org.id, flow.id)).toBe(first);
    expect(Object.isFrozen(first!.definition.steps[0]!.user_ids)).toBe(true);
    expect(await here.versionOf(t.db, seed.org.id, flow.id)).toMatchObject({ version: 1 });

    const announced = await announcement(seed.org.id);
    await updateFlow({ db: t.db, flows: here }, seed.org.id, flow.id, { on_expiry: 'reject' }, SYSTEM_ACTOR);
    // The writer's own entry went with the commit.
    expect(await here.versionOf(t.db, seed.org.id, flow.id)).toMatchObject({ version: 2, definition: { on_expiry: 'reject' } });
    await announced.heard;
    expect(await there.versionOf(t.db, seed.org.id, flow.id)).toMatchObject({ version: 2, definition: { on_expiry: 'reject' } });

    const gone = await announcement(seed.org.id);
    await deleteFlow({ db: t.db, flows: here }, seed.org.id, flow.id, SYSTEM_ACTOR);
    expect(await here.versionOf(t.db, seed.org.id, flow.id)).toBeNull();
    await gone.heard;
    expect(await there.versionOf(t.db, seed.org.id, flow.id)).toBeNull();
  });

  it('keeps no read that a change overtook, and nothing for a flow that does not exist', async () => {
    const seed = await seedOrg(t.db);
    const flow = await oneStepFlow(seed.org.id, seed.admin.id);
    const cache = new FlowCache(readCurrentVersion);
    const reading = cache.versionOf(t.db, seed.org.id, flow.id);
    cache.forget(seed.org.id);
    const overtaken = await reading;
    expect(overtaken).toMatchObject({ version: 1 });
    const again = await cache.versionOf(t.db, seed.org.id, flow.id);
    expect(again).toEqual(overtaken);
    expect(again).not.toBe(overtaken);

    const unknown = crypto.randomUUID();
    expect(await cache.versionOf(t.db, seed.org.id, unknown)).toBeNull();
    expect([...(await cache.of(t.db, seed.org.id)).keys()]).toEqual([flow.id]);
    // Another org's flow is not this org's, cached or not.
    const other = await seedOrg(t.db);
    expect(await cache.versionOf(t.db, other.org.id, flow.id)).toBeNull();
  });
});
