/**
 * Subscriptions and connections belong to a principal: listed with their creator, and disabled when
 * the person who made them is removed or the connection they were made through is revoked.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  // No worker: the deliveries stay where the fan-out put them.
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
}, 60_000);
afterAll(() => server.stop(), 60_000);

const hookBody = (path: string) => ({ url: `https://hooks.example.com/${path}`, events: ['approval.created'] });

it("a removed member's subscriptions and the keys they issued are disabled; a revoked key's subscriptions too", async () => {
  const seed = await seedOrg(server.db);
  const admin = await signedIn(server, seed);
  const member = await signedIn(server, seed, 'approver');
  const issuer = await signedIn(server, seed, 'admin');

  const byMember = (await member.http().post('/api/v1/webhooks').send(hookBody('member')).expect(201)).body;
  const byKey = (await server.http(seed.key).post('/api/v1/webhooks').send(hookBody('key')).expect(201)).body;
  expect(byMember.created_by).toEqual({ type: 'user', id: member.user.id, name: member.user.email });
  expect(byKey.created_by).toEqual({ type: 'connection', id: seed.connectionId, name: 'primary' });
  const listed = (await admin.http().get('/api/v1/webhooks').expect(200)).body.data;
  expect(listed.map((w: { id: string; created_by: unknown }) => [w.id, w.created_by])).toEqual([
    [byMember.id, byMember.created_by],
    [byKey.id, byKey.created_by],
  ]);

  // A key issued by an admin is listed with its issuer.
  const issued = (await issuer.http().post('/api/v1/connections').send({ name: 'ci' }).expect(201)).body;
  expect(issued.created_by).toMatchObject({ id: issuer.user.id, email: issuer.user.email });
  const byIssuedKey = (await server.http(issued.api_key).post('/api/v1/webhooks').send(hookBody('issued')).expect(201)).body;

  await admin.http().delete(`/api/v1/members/${member.user.id}`).expect(200);
  await admin.http().delete(`/api/v1/members/${issuer.user.id}`).expect(200);
  // The key its issuer left with stops working, and what it made stops receiving.
  await server.http(issued.api_key).get('/api/v1/me').expect(401);
  const after = await server.http(seed.key).get(`/api/v1/webhooks/${byMember.id}`).expect(200);
  expect(after.body).toMatchObject({ status: 'disabled', disabled_reason: 'its creator was removed from the organization' });
  expect((await server.http(seed.key).get(`/api/v1/webhooks/${byIssuedKey.id}`).expect(200)).body.status).toBe('disabled');
  expect((await server.http(seed.key).get(`/api/v1/webhooks/${byKey.id}`).expect(200)).body.status).toBe('active');

  const a = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
  const targets = await server.db.query<{ subscription_id: string }>(`SELECT payload ->> 'subscription_id' AS subscription_id FROM deliveries WHERE approval_id = $1 AND kind = 'subscription'`, [a.id]);
  expect(targets.rows.map((r) => r.subscription_id)).toEqual([byKey.id]);

  // Revoking the key that made a subscription disables it.
  const other = await seed.newKey({ name: 'zap' });
  const byOther = (await server.http(other.key).post('/api/v1/webhooks').send(hookBody('other')).expect(201)).body;
  await admin.http().delete(`/api/v1/connections/${other.connectionId}`).expect(200);
  const revoked = (await server.http(seed.key).get(`/api/v1/webhooks/${byOther.id}`).expect(200)).body;
  expect(revoked).toMatchObject({ status: 'disabled', disabled_reason: 'its connection was revoked' });
  expect((await server.http(seed.key).get(`/api/v1/webhooks/${byKey.id}`).expect(200)).body.status).toBe('active');
});
