import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('approval flow refusals', () => {
  it('refuses malformed and impossible flows with the path named, writing nothing', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const viewer = await seed.addUser('viewer');
    const cases: [object, string][] = [
      [{ name: 'x', steps: [] }, 'steps'],
      [{ name: 'x', steps: [{ approvers: {} }] }, 'steps.0.approvers'],
      [{ name: 'x', steps: [{ approvers: { user_ids: [viewer.id] } }] }, `steps.0.approvers.user_ids.0: approver_id ${viewer.id} is a viewer and cannot approve`],
      [{ name: 'x', steps: [{ approvers: { team_ids: [randomUUID()] } }] }, 'steps.0.approvers.team_ids.0'],
      [{ name: 'x', steps: [{ approvers: { user_ids: [seed.admin.id] }, quorum: 2 }] }, 'steps.0.quorum: quorum 2 is more than the 1 person this step asks'],
      [{ name: 'x', steps: [{ approvers: { user_ids: [seed.admin.id] }, time_limit_seconds: 5 }] }, 'steps.0.time_limit_seconds'],
    ];
    for (const [body, message] of cases) {
      const res = await admin.http().post('/api/v1/flows').send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
    expect((await admin.http().get('/api/v1/flows').expect(200)).body.data).toEqual([]);
  });

  it('names are unique ignoring case (409 NAME_TAKEN); a deleted name can be used again', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const body = { name: 'Deploy', steps: [{ approvers: { user_ids: [seed.admin.id] } }] };
    const first = await admin.http().post('/api/v1/flows').send(body).expect(201);
    expect((await admin.http().post('/api/v1/flows').send({ ...body, name: 'deploy' })).body.error.code).toBe('NAME_TAKEN');
    await admin.http().delete(`/api/v1/flows/${first.body.id}`).expect(200);
    await admin.http().post('/api/v1/flows').send(body).expect(201);
  });

  it("flow_id must be a live flow of the caller's org", async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const theirs = (await (await signedIn(server, other)).http().post('/api/v1/flows').send({ name: 'Theirs', steps: [{ approvers: { user_ids: [other.admin.id] } }] }).expect(201)).body;
    for (const flowId of [theirs.id, randomUUID()]) {
      const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ flow_id: flowId }));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(`flow_id: ${flowId} is not a flow of this organization`);
    }
    const { rows } = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM approvals WHERE org_id = $1', [seed.org.id]);
    expect(rows[0]!.n).toBe(0);
    // Only admins, signed in, change flows.
    expect((await server.http(seed.key).post('/api/v1/flows').send({ name: 'k', steps: [{ approvers: { user_ids: [seed.admin.id] } }] })).status).toBe(403);
    expect((await (await signedIn(server, seed, 'approver')).http().delete(`/api/v1/flows/${theirs.id}`)).status).toBe(403);
    expect((await (await signedIn(server, seed)).http().delete(`/api/v1/flows/${theirs.id}`)).status).toBe(404);
  });
});
