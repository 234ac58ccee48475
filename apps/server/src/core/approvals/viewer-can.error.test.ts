/** Refusals viewer_can foretells for requests that can no longer be decided: expired, decided, cancelled. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf } from '../../testing/session.ts';
import { createRequest } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('viewer_can refusals', () => {
  it('a request past expires_at (before the sweep) reads "Expired" and its decision is refused', async () => {
    const seed = await seedOrg(server.db);
    const asAnn = await sessionOf(server, seed, await seed.addUser('approver'));
    const req = await createRequest(server, seed.key, { expires_at: new Date(Date.now() + 60_000).toISOString() });
    await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = $1`, [req.id]);
    const can = (await asAnn.http().get(`/api/v1/approvals/${req.id}`).expect(200)).body.viewer_can;
    expect(can.decide).toMatchObject({ allowed: false, reason: 'Expired' });
    expect(can.cancel).toMatchObject({ allowed: false, reason: 'Expired' });
    const refused = await asAnn.http().patch(`/api/v1/approvals/${req.id}`).send({ decision: 'approve' });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.error.code).toBe('APPROVAL_EXPIRED');
  });

  it('a cancelled request may be neither decided, cancelled, revoked nor reassigned, and says so', async () => {
    const seed = await seedOrg(server.db);
    const req = await createRequest(server, seed.key);
    const res = await server.http(seed.key).delete(`/api/v1/approvals/${req.id}`).expect(200);
    expect(res.body.viewer_can).toMatchObject({
      decide: { allowed: false, reason: 'Already cancelled' },
      cancel: { allowed: false, reason: 'Already cancelled' },
      revoke: { allowed: false, reason: 'Already cancelled' },
      reassign: { allowed: false, reason: 'Already cancelled' },
    });
    await server.http(seed.key).delete(`/api/v1/approvals/${req.id}`).expect(409);
  });
});
