import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { snapshot, stepAskingBob } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function pendingStep() {
  const c = await stepAskingBob(server);
  return { ...c, path: `/api/v1/approvals/${c.created.id}/steps/${c.created.stepId}/reassign` };
}

describe('who may reassign', () => {
  it('an approver who is neither the requester nor an admin → 403 saying who may (even the person the step asks)', async () => {
    const c = await pendingStep();
    const before = await snapshot(server, c.created.id);
    const approver = await signedIn(server, c.seed, 'approver');
    const res = await approver.http().post(c.path).send({ user_ids: [approver.user.id] });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'only the requester of this request or an admin can do this' });
    const otherKey = await c.seed.newKey();
    const byKey = await server.http(otherKey.key).post(c.path).send({ user_ids: [c.carl.id] });
    expect(byKey.status).toBe(403);
    expect(byKey.body.error.message).toBe('only the requester of this request or an admin can do this');
    expect(await snapshot(server, c.created.id)).toEqual(before);
  });

  it('a viewer, a read-only key, another org and the emergency stop are refused', async () => {
    const c = await pendingStep();
    const before = await snapshot(server, c.created.id);
    const viewer = await signedIn(server, c.seed, 'viewer');
    expect((await viewer.http().post(c.path).send({ user_ids: [c.carl.id] })).status).toBe(403);
    const readOnly = await c.seed.newKey({ scopes: ['approvals:read'] });
    const scope = await server.http(readOnly.key).post(c.path).send({ user_ids: [c.carl.id] });
    expect(scope.body.error.code).toBe('INSUFFICIENT_SCOPE');
    const other = await seedOrg(server.db);
    const otherAdmin = await signedIn(server, other);
    expect((await otherAdmin.http().post(c.path).send({ user_ids: [c.carl.id] })).status).toBe(404);
    await server.db.query('UPDATE orgs SET emergency_stop = true WHERE id = $1', [c.seed.org.id]);
    await server.keyForgotten(c.seed.key);
    const stopped = await server.http(c.seed.key).post(c.path).send({ user_ids: [c.carl.id] });
    expect(stopped.status).toBe(503);
    await server.db.query('UPDATE orgs SET emergency_stop = false WHERE id = $1', [c.seed.org.id]);
    expect(await snapshot(server, c.created.id)).toEqual(before);
  });
});
