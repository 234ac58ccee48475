/**
 * SCIM's security: one org's token sees and changes only its org; deactivation (and deletion) ends at
 * once everything the person held — their session's next request is 401, the keys they issued and the
 * grants that act for them are revoked, and they are taken off pending steps so they can no longer
 * decide — in one transaction, under concurrent load too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn } from '../../testing/session.ts';
import { PATCH_OP, scimClient, scimWith, USER_SCHEMA, type ScimClient } from '../../testing/scim.ts';
import { createConnection } from '../connections/connections.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false' } });
});
afterAll(() => server.stop());

/** A person the identity provider provisioned, signed in, with an API key they issued and an OAuth-style grant acting for them. */
async function provisionedPerson(seed: SeededOrg, scim: ScimClient, email: string) {
  const user = (await scim.post('/Users', { schemas: [USER_SCHEMA], userName: email, name: { givenName: 'Pat', familyName: 'Doe' }, active: true }).expect(201)).body as {
    id: string;
    userName: string;
  };
  const session = await sessionOf(server, seed, { id: user.id, email });
  const issued = await createConnection(server.db, { orgId: seed.org.id, name: `issued-by-${email}`, createdByUserId: user.id });
  const grant = await createConnection(server.db, { orgId: seed.org.id, name: `grant-of-${email}`, userId: user.id });
  return { user, session, issuedKey: issued.apiKey, issuedId: issued.connection.id, grantId: grant.connection.id };
}

/** A pending request whose one step asks only `userId`, and one whose step asks `userId` or `otherId`. */
async function pendingStepsNaming(seed: SeededOrg, userId: string, otherId: string) {
  const alone = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'alone' })).expect(201)).body;
  await server.http(seed.key).post(`/api/v1/approvals/${alone.id}/steps`).send({ steps: [{ step_order: 1, approver_id: userId }] }).expect(201);
  const shared = (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody({ title: 'shared' })).expect(201)).body;
  const steps = (await server.http(seed.key).post(`/api/v1/approvals/${shared.id}/steps`).send({ steps: [{ step_order: 1, approver_id: userId }] }).expect(201)).body;
  const stepId = (steps.data ?? steps)[0].id as string;
  await server.http(seed.key).post(`/api/v1/approvals/${shared.id}/steps/${stepId}/reassign`).send({ user_ids: [userId, otherId], quorum: 1 }).expect(200);
  return { alone: alone.id as string, shared: shared.id as string };
}

const stepApprovers = async (approvalId: string) =>
  (await server.db.query<{ approver_ids: string[] }>('SELECT approver_ids FROM approval_steps WHERE approval_id = $1 ORDER BY step_order', [approvalId])).rows.map((r) => r.approver_ids);

describe('deactivation ends all access at once', () => {
  for (const how of ['PATCH active false (Okta)', 'PATCH path active "False" (Entra)', 'DELETE'] as const) {
    it(`${how}: session, issued key and grant stop, and the person is taken off every pending step`, async () => {
      const seed = await seedOrg(server.db);
      const scim = await scimClient(server, seed);
      const other = await seed.addUser('approver');
      const p = await provisionedPerson(seed, scim, `pat-${how.length}@example.test`);
      const approvals = await pendingStepsNaming(seed, p.user.id, other.id);

      await p.session.http().get('/api/v1/me').expect(200);
      await server.http(p.issuedKey).get('/api/v1/approvals').expect(200);
      const detail = (await p.session.http().get(`/api/v1/approvals/${approvals.alone}`).expect(200)).body;
      expect(detail.viewer_can.decide).toMatchObject({ allowed: true });

      if (how === 'DELETE') await scim.delete(`/Users/${p.user.id}`).expect(204);
      else if (how.includes('Okta')) await scim.patch(`/Users/${p.user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
      else await scim.patch(`/Users/${p.user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] }).expect(200);

      // The existing session's next request, and a vote through it.
      await p.session.http().get('/api/v1/me').expect(401);
      const steps = (await server.http(seed.key).get(`/api/v1/approvals/${approvals.alone}/steps`).expect(200)).body;
      const stepId = (steps.data ?? steps)[0].id as string;
      await p.session.http().patch(`/api/v1/approvals/${approvals.alone}/steps/${stepId}`).send({ decision: 'approve' }).expect(401);
      // The key they issued, and the grant that acts for them.
      await server.http(p.issuedKey).get('/api/v1/approvals').expect(401);
      const revoked = await server.db.query<{ id: string; revoked: boolean }>('SELECT id, revoked_at IS NOT NULL AS revoked FROM connections WHERE id = ANY ($1::uuid[]) ORDER BY id', [
        [p.issuedId, p.grantId],
      ]);
      expect(revoked.rows.every((r) => r.revoked)).toBe(true);
      expect((await server.db.query('SELECT 1 FROM sessions WHERE user_id = $1', [p.user.id])).rows).toEqual([]);
      // Off every pending step: one left naming nobody asks the admins, the other keeps whom else it asked.
      expect(await stepApprovers(approvals.alone)).toEqual([[seed.admin.id]]);
      expect(await stepApprovers(approvals.shared)).toEqual([[other.id]]);
      const events = await server.db.query<{ type: string; actor_type: string }>(
        "SELECT type, actor_type FROM events WHERE approval_id = $1 AND type = 'step.reassigned' ORDER BY id",
        [approvals.alone],
      );
      expect(events.rows).toEqual([{ type: 'step.reassigned', actor_type: 'system' }]);
      const audit = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE org_id = $1 AND type = 'approval.step_person_removed'", [seed.org.id]);
      expect(audit.rows[0]!.n).toBe(2);
      // The one asked now is the admin, who can decide.
      const admin = await signedIn(server, seed);
      expect((await admin.http().get(`/api/v1/approvals/${approvals.alone}`).expect(200)).body.viewer_can.decide).toMatchObject({ allowed: true });
    });
  }

  it('the last admin cannot be deactivated, and nothing of theirs is touched', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed);
    const res = await scim.patch(`/Users/${seed.admin.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }).expect(400);
    expect(res.body).toMatchObject({ status: '400', scimType: 'mutability' });
    await (await signedIn(server, seed)).http().get('/api/v1/me').expect(200);
    await server.http(seed.key).get('/api/v1/approvals').expect(200);
    expect((await scim.get(`/Users/${seed.admin.id}`).expect(200)).body.active).toBe(true);
  });

  it('under load: requests of the person racing their deactivation are answered before it or refused after it, and nothing survives', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed);
    const p = await provisionedPerson(seed, scim, 'racer@example.test');
    let stop = false;
    const statuses: number[] = [];
    const hammer = async (call: () => Promise<{ status: number }>) => {
      while (!stop) statuses.push((await call()).status);
    };
    const load = [
      hammer(() => p.session.http().get('/api/v1/me')),
      hammer(() => server.http(p.issuedKey).get('/api/v1/approvals')),
      hammer(() => p.session.http().get('/api/v1/approvals')),
    ];
    await scim.patch(`/Users/${p.user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
    // Everything sent from here on is refused.
    const after = await Promise.all([p.session.http().get('/api/v1/me'), server.http(p.issuedKey).get('/api/v1/approvals'), p.session.http().get('/api/v1/approvals')]);
    stop = true;
    await Promise.all(load);
    expect(after.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(statuses.every((s) => s === 200 || s === 401)).toBe(true);
    expect((await server.db.query('SELECT 1 FROM memberships WHERE user_id = $1', [p.user.id])).rows).toEqual([]);
  });

  it('concurrent member changes of one group (Entra sends them in parallel) all land', async () => {
    const seed = await seedOrg(server.db);
    const scim = await scimClient(server, seed);
    const group = (await scim.post('/Groups', { displayName: 'Parallel' }).expect(201)).body;
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => seed.addUser('approver', `parallel-${i}@example.test`)));
    const answers = await Promise.all(
      users.map((u) => scim.patch(`/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: u.id }] }] })),
    );
    expect(answers.map((a) => a.status)).toEqual(users.map(() => 200));
    const members = (await scim.get(`/Groups/${group.id}`).expect(200)).body.members.map((m: { value: string }) => m.value).sort();
    expect(members).toEqual(users.map((u) => u.id).sort());
  });
});

describe('tenant isolation', () => {
  it("one org's token neither sees nor changes another org's users and groups", async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const scimA = await scimClient(server, a);
    const scimB = await scimClient(server, b);
    const theirs = (await scimB.post('/Users', { schemas: [USER_SCHEMA], userName: 'theirs@b.test', externalId: 'b-1', active: true }).expect(201)).body;
    const theirGroup = (await scimB.post('/Groups', { displayName: 'B team', externalId: 'g-b' }).expect(201)).body;

    await scimA.get(`/Users/${theirs.id}`).expect(404);
    await scimA.get(`/Users/${b.admin.id}`).expect(404);
    await scimA.put(`/Users/${theirs.id}`, { schemas: [USER_SCHEMA], userName: 'mine@a.test', active: false }).expect(404);
    await scimA.patch(`/Users/${theirs.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }).expect(404);
    await scimA.delete(`/Users/${theirs.id}`).expect(404);
    await scimA.get(`/Groups/${theirGroup.id}`).expect(404);
    await scimA.patch(`/Groups/${theirGroup.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'x' }] }).expect(404);
    await scimA.delete(`/Groups/${theirGroup.id}`).expect(404);
    expect((await scimA.get(`/Users?filter=${encodeURIComponent('userName eq "theirs@b.test"')}`).expect(200)).body.totalResults).toBe(0);
    expect((await scimA.get(`/Users?filter=${encodeURIComponent('externalId eq "b-1"')}`).expect(200)).body.totalResults).toBe(0);
    const listed = (await scimA.get('/Users').expect(200)).body.Resources.map((u: { id: string }) => u.id);
    expect(listed).toEqual([a.admin.id]);
    expect((await scimA.get('/Groups').expect(200)).body.totalResults).toBe(0);
    // Another org's person cannot be put in this org's group.
    const mine = (await scimA.post('/Groups', { displayName: 'A team' }).expect(201)).body;
    const refused = await scimA.patch(`/Groups/${mine.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: theirs.id }] }] }).expect(400);
    expect(refused.body.scimType).toBe('invalidValue');

    // Nothing of B changed.
    expect((await scimB.get(`/Users/${theirs.id}`).expect(200)).body).toMatchObject({ userName: 'theirs@b.test', active: true });
    expect((await scimB.get(`/Groups/${theirGroup.id}`).expect(200)).body.displayName).toBe('B team');
  });

  it('a person who also belongs to another org: deactivation here leaves them a member there, and their sign-in email is not changed from here', async () => {
    const a = await seedOrg(server.db);
    const b = await seedOrg(server.db);
    const scimA = await scimClient(server, a);
    const shared = await a.addUser('approver', 'shared@example.test');
    await server.db.query("INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'approver')", [b.org.id, shared.id]);
    const sessionB = await sessionOf(server, b, shared);

    const renamed = await scimA.patch(`/Users/${shared.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userName', value: 'takeover@evil.test' }] }).expect(400);
    expect(renamed.body.scimType).toBe('mutability');
    expect((await server.db.query('SELECT email FROM users WHERE id = $1', [shared.id])).rows).toEqual([{ email: 'shared@example.test' }]);

    await scimA.patch(`/Users/${shared.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }).expect(200);
    await sessionB.http().get('/api/v1/me').expect(200);
    expect((await server.db.query('SELECT org_id FROM memberships WHERE user_id = $1', [shared.id])).rows).toEqual([{ org_id: b.org.id }]);
  });
});

describe('the token', () => {
  it('rotation refuses the old token at once, revocation refuses the new one; a key or session is not a SCIM credential', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const first = (await admin.http().post('/api/v1/org/scim/token').send({}).expect(201)).body.secret as string;
    await scimWith(server, first).get('/Users').expect(200);
    const second = (await admin.http().post('/api/v1/org/scim/token').send({ default_role: 'viewer' }).expect(201)).body.secret as string;
    expect((await scimWith(server, first).get('/Users').expect(401)).body).toMatchObject({ status: '401' });
    await scimWith(server, second).get('/Users').expect(200);
    await admin.http().delete('/api/v1/org/scim/token').expect(200);
    await scimWith(server, second).get('/Users').expect(401);
    await scimWith(server, seed.key).get('/Users').expect(401);
    await server.http().get('/scim/v2/Users').set('Cookie', admin.cookie).expect(401);
    const audit = await server.db.query<{ type: string }>("SELECT type FROM audit_log WHERE org_id = $1 AND type LIKE 'scim.%' ORDER BY created_at, id", [seed.org.id]);
    expect(audit.rows.map((r) => r.type)).toEqual(['scim.token_created', 'scim.token_created', 'scim.token_revoked']);
  });

  it('only an admin, signed in, manages it', async () => {
    const seed = await seedOrg(server.db);
    for (const role of ['approver', 'viewer'] as const) {
      const who = await signedIn(server, seed, role);
      await who.http().get('/api/v1/org/scim').expect(403);
      await who.http().post('/api/v1/org/scim/token').send({}).expect(403);
      await who.http().delete('/api/v1/org/scim/token').expect(403);
    }
    await server.http(seed.key).post('/api/v1/org/scim/token').send({}).expect(403);
    expect((await server.db.query('SELECT 1 FROM scim_tokens WHERE org_id = $1', [seed.org.id])).rows).toEqual([]);
  });
});
