/**
 * Who sees and revokes a grant (its giver, an admin, the owner of its connection, the connection
 * itself; nobody else, and never from another organization), what a grant may never do (exceed its
 * giver, run during the emergency stop), and that a revocation committed anywhere stops the next create.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const body = approvalBody({ action_type: 'deploy.staging', priority: 'medium' });
const ask = async (key: string) => (await server.http(key).post('/api/v1/approvals').send(body).expect(201)).body;

async function withGrant(): Promise<{ seed: SeededOrg; giver: SignedIn; grantId: string }> {
  const seed = await seedOrg(server.db);
  const giver = await signedIn(server, seed, 'approver');
  const first = await ask(seed.key);
  await giver.http().patch(`/api/v1/approvals/${first.id}`).send({ decision: 'approve', grant: { max_uses: 5 } }).expect(200);
  const { rows } = await server.db.query<{ id: string }>('SELECT id FROM grants WHERE given_on = $1', [first.id]);
  return { seed, giver, grantId: rows[0]!.id };
}

const listed = async (http: { get(p: string): import('supertest').Test }) =>
  ((await http.get('/api/v1/grants?status=all').expect(200)).body.data as { id: string }[]).map((g) => g.id);

describe('who sees and revokes a grant', () => {
  it('another organization: listed nowhere, revoke 404, and its requests are never approved by it', async () => {
    const { seed, grantId } = await withGrant();
    const other = await seedOrg(server.db);
    const otherAdmin = await signedIn(server, other);
    expect(await listed(otherAdmin.http())).toEqual([]);
    await otherAdmin.http().post(`/api/v1/grants/${grantId}/revoke`).send({}).expect(404);
    await server.http(other.key).post(`/api/v1/grants/${grantId}/revoke`).send({}).expect(404);
    expect((await ask(other.key)).status).toBe('pending');
    expect((await ask(seed.key)).status).toBe('approved');
  });

  it('another approver of the org who neither gave it nor owns its connection: hidden, revoke 404', async () => {
    const { seed, grantId } = await withGrant();
    const bystander = await signedIn(server, seed, 'approver');
    expect(await listed(bystander.http())).toEqual([]);
    await bystander.http().post(`/api/v1/grants/${grantId}/revoke`).send({}).expect(404);
    // Another connection of the org is not its grantee either.
    const otherKey = await seed.newKey();
    expect(await listed(server.http(otherKey.key))).toEqual([]);
    await server.http(otherKey.key).post(`/api/v1/grants/${grantId}/revoke`).send({}).expect(404);
  });

  it('the owner of the grantee connection sees and revokes it', async () => {
    const { seed, grantId } = await withGrant();
    const owner = await signedIn(server, seed, 'viewer');
    await server.db.query('UPDATE connections SET created_by_user_id = $2 WHERE id = $1', [seed.connectionId, owner.user.id]);
    const seen = (await owner.http().get('/api/v1/grants').expect(200)).body.data;
    expect(seen).toMatchObject([{ id: grantId, viewer_can: { revoke: { allowed: true } } }]);
    await owner.http().post(`/api/v1/grants/${grantId}/revoke`).send({}).expect(200);
    expect((await ask(seed.key)).status).toBe('pending');
  });

  it('the grantee connection sees its grants; a read-only key may not revoke (403), a writing one may', async () => {
    const { seed, grantId } = await withGrant();
    expect(await listed(server.http(seed.key))).toEqual([grantId]);
    // Written as an operator would in psql: the trigger's NOTIFY drops the cached key a moment after commit.
    await server.db.query(`UPDATE connections SET scopes = ARRAY['approvals:read'] WHERE id = $1`, [seed.connectionId]);
    await server.keyForgotten(seed.key);
    const readOnly = (await server.http(seed.key).get('/api/v1/grants').expect(200)).body.data;
    expect(readOnly[0].viewer_can.revoke).toEqual({ allowed: false, reason: 'This credential lacks the approvals:write scope' });
    const refused = await server.http(seed.key).post(`/api/v1/grants/${grantId}/revoke`).send({}).expect(403);
    expect(refused.body.error.code).toBe('INSUFFICIENT_SCOPE');
    await server.db.query(`UPDATE connections SET scopes = ARRAY['approvals:read', 'approvals:write'] WHERE id = $1`, [seed.connectionId]);
    await server.keyForgotten(seed.key);
    await server.http(seed.key).post(`/api/v1/grants/${grantId}/revoke`).send({}).expect(200);
  });

  it('the giver revokes their own; a revocation written straight to the database (another replica) stops the next create', async () => {
    const { seed, giver, grantId } = await withGrant();
    expect((await ask(seed.key)).status).toBe('approved');
    // As another process would commit it: nothing of this process is told.
    await server.db.query(`UPDATE grants SET revoked_at = now(), revoked_by_type = 'user', revoked_by_id = $2 WHERE id = $1`, [grantId, giver.user.id]);
    expect((await ask(seed.key)).status).toBe('pending');
    await giver.http().post(`/api/v1/grants/${grantId}/revoke`).send({}).expect(409);
  });
});

describe('what a grant never does', () => {
  it('nothing is decided by it during the emergency stop, and no use is taken', async () => {
    const { seed, grantId } = await withGrant();
    const admin = await signedIn(server, seed);
    await admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    await server.http(seed.key).post('/api/v1/approvals').send(body).expect(503);
    await admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    const { rows } = await server.db.query<{ uses: number }>('SELECT uses FROM grants WHERE id = $1', [grantId]);
    expect(rows).toEqual([{ uses: 0 }]);
    expect((await ask(seed.key)).decided_by_grant).toMatchObject({ id: grantId, use: 1 });
  });

  it('never approves a request whose requester is its giver (the connection came to act for them)', async () => {
    const { seed, giver } = await withGrant();
    await server.db.query('UPDATE connections SET user_id = $2 WHERE id = $1', [seed.connectionId, giver.user.id]);
    await server.keyForgotten(seed.key);
    expect((await ask(seed.key)).status).toBe('pending');
  });

  it('under admin_only, an approver’s grant no longer decides (they could not)', async () => {
    const { seed } = await withGrant();
    const admin = await signedIn(server, seed);
    await admin.http().patch('/api/v1/org').send({ resolve_policy: 'admin_only' }).expect(200);
    expect((await ask(seed.key)).status).toBe('pending');
  });

  it('a request routed to a step that does not ask the giver is left to people; one that asks them is approved', async () => {
    const { seed, giver } = await withGrant();
    const admin = await signedIn(server, seed);
    const other = await seed.addUser('approver');
    await admin
      .http()
      .put('/api/v1/routing-rules')
      .send({ rules: [{ name: 'deploys to other', match: { action_type: 'deploy.*' }, action: { approvers: { user_ids: [other.id] } } }] })
      .expect(200);
    expect((await ask(seed.key)).status).toBe('pending');
    await admin
      .http()
      .put('/api/v1/routing-rules')
      .send({ rules: [{ name: 'deploys to giver', match: { action_type: 'deploy.*' }, action: { approvers: { user_ids: [giver.user.id] } } }] })
      .expect(200);
    expect(await ask(seed.key)).toMatchObject({ status: 'approved', decided_by_type: 'grant' });
  });
});
