/**
 * The approval-runs API shows a request through the v1 API's own reading of it: fields its requester
 * marked sensitive are masked for whoever may not see them, and another organization's runs do not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
let seed: SeededOrg;
let flowId: string;
let runId: string;
beforeAll(async () => {
  server = await startTestServer();
  seed = await seedOrg(server.db);
  const member = await seed.addUser('approver');
  flowId = (await (await signedIn(server, seed)).http().post('/api/v1/flows').send({ name: 'Payments', steps: [{ approvers: { user_ids: [member.id] } }] }).expect(201)).body.id;
  runId = (
    await server
      .http(seed.key)
      .post('/api/v1/approvals')
      .send({ title: 'Card change', description: 'd', priority: 'high', flow_id: flowId, changes: { before: { card: '4111 1111' }, after: { card: '5500 0000' } }, redact: ['changes.before.card', 'changes.after.card'] })
      .expect(201)
  ).body.id;
}, 60_000);
afterAll(() => server?.stop());

const path = (orgId: string) => `/organizations/${orgId}/approvals/${flowId}/runs`;

describe('sensitive fields', () => {
  it('a viewer without the permission sees previousObject and object masked, in the list and alone', async () => {
    const viewer = await signedIn(server, seed, 'viewer');
    const list = await viewer.http().get(path(seed.org.id)).expect(200);
    expect(list.body.results[0]).toMatchObject({ id: runId, previousObject: { card: '[redacted]' }, object: { card: '[redacted]' } });
    const one = await viewer.http().get(`${path(seed.org.id)}/${runId}`).expect(200);
    expect(one.body).toMatchObject({ previousObject: { card: '[redacted]' }, object: { card: '[redacted]' } });
  });

  it('the requester and admins see them', async () => {
    expect((await server.http(seed.key).get(`${path(seed.org.id)}/${runId}`).expect(200)).body.object).toEqual({ card: '5500 0000' });
    expect((await (await signedIn(server, seed)).http().get(`${path(seed.org.id)}/${runId}`).expect(200)).body.previousObject).toEqual({ card: '4111 1111' });
  });
});

describe('another organization', () => {
  it("its credentials find nothing of this one's, by this org's id or their own", async () => {
    const other = await seedOrg(server.db, 'Other');
    for (const p of [path(seed.org.id), `${path(seed.org.id)}/${runId}`, path(other.org.id), `${path(other.org.id)}/${runId}`]) {
      const res = await server.http(other.key).get(p).expect(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });
});
