import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn } from '../../testing/session.ts';
import { createRequest, eventsOf } from '../../testing/decisions.ts';
import { askedNow } from '../../core/approvals/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function auditTypes(orgId: string) {
  const { rows } = await server.db.query<{ type: string; actor_id: string; details: Record<string, unknown> }>(
    "SELECT type, actor_id, details FROM audit_log WHERE org_id = $1 AND type LIKE 'team.%' ORDER BY id",
    [orgId],
  );
  return rows;
}

describe('teams API', () => {
  it('an admin creates, renames, fills and empties a team; everyone in the org reads it; each change is audited', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const ann = await seed.addUser('approver');
    const bob = await seed.addUser('approver');

    const created = await admin.http().post('/api/v1/teams').send({ name: '  SRE ', member_ids: [ann.id] }).expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'SRE',
      members: [{ user_id: ann.id, name: ann.email, added_at: expect.stringMatching(/Z$/) }],
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
    const id = created.body.id;

    const added = await admin.http().post(`/api/v1/teams/${id}/members`).send({ user_id: bob.id }).expect(200);
    expect(added.body.members.map((m: { user_id: string }) => m.user_id)).toEqual([ann.id, bob.id]);
    const renamed = await admin.http().patch(`/api/v1/teams/${id}`).send({ name: 'Site reliability' }).expect(200);
    expect(renamed.body.name).toBe('Site reliability');
    const removed = await admin.http().delete(`/api/v1/teams/${id}/members/${ann.id}`).expect(200);
    expect(removed.body.members.map((m: { user_id: string }) => m.user_id)).toEqual([bob.id]);

    // Anyone in the org may read teams, API keys included (the names on a request's steps).
    const viewer = await signedIn(server, seed, 'viewer');
    expect((await viewer.http().get('/api/v1/teams').expect(200)).body.data).toEqual([removed.body]);
    expect((await server.http(seed.key).get(`/api/v1/teams/${id}`).expect(200)).body).toEqual(removed.body);

    const deleted = await admin.http().delete(`/api/v1/teams/${id}`).expect(200);
    expect(deleted.body).toEqual(removed.body);
    await admin.http().get(`/api/v1/teams/${id}`).expect(404);

    const audit = await auditTypes(seed.org.id);
    expect(audit.map((a) => a.type)).toEqual(['team.created', 'team.member_added', 'team.renamed', 'team.member_removed', 'team.deleted']);
    expect(audit.every((a) => a.actor_id === seed.admin.id)).toBe(true);
    expect(audit[2]!.details).toEqual({ from: 'SRE', to: 'Site reliability' });
    expect(audit[1]!.details).toEqual({ user_id: bob.id });
  });

  it('lists teams by name, ignoring case', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    for (const name of ['ops', 'Finance', 'legal']) await admin.http().post('/api/v1/teams').send({ name }).expect(201);
    const listed = await admin.http().get('/api/v1/teams').expect(200);
    expect(listed.body.data.map((t: { name: string }) => t.name)).toEqual(['Finance', 'legal', 'ops']);
  });

  it('removing a member from the org takes them out of its teams', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const ann = await seed.addUser('approver');
    const team = await admin.http().post('/api/v1/teams').send({ name: 'SRE', member_ids: [ann.id] }).expect(201);
    await admin.http().delete(`/api/v1/members/${ann.id}`).expect(200);
    expect((await admin.http().get(`/api/v1/teams/${team.body.id}`).expect(200)).body.members).toEqual([]);
  });
});

describe('a team named as a step', () => {
  it('any member of the team decides it; with a quorum of 2 the step completes at the second approval', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [ann, bob, cid] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const team = (await admin.http().post('/api/v1/teams').send({ name: 'Finance', member_ids: [ann.id, bob.id, cid.id] }).expect(201)).body;
    const created = await createRequest(server, seed.key);
    const configured = await server
      .http(seed.key)
      .post(`/api/v1/approvals/${created.id}/steps`)
      .send({ steps: [{ team_id: team.id, quorum: 2, step_order: 1 }] })
      .expect(201);
    expect(configured.body.data).toEqual([
      expect.objectContaining({ approver_id: null, approvers: [{ type: 'team', id: team.id, name: 'Finance' }], quorum: 2, status: 'pending' }),
    ]);
    const stepId = configured.body.data[0].id;
    expect(await askedNow(server.db, created.id)).toEqual([ann.id, bob.id, cid.id].sort());

    const first = await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${created.id}/steps/${stepId}`).send({ decision: 'approve', comment: 'one' }).expect(200);
    expect(first.body).toMatchObject({ status: 'pending', decided_at: null });
    // The same person again, by another credential route, counts once.
    const again = await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' });
    expect(again.status).toBe(409);
    const second = await (await sessionOf(server, seed, bob)).http().patch(`/api/v1/approvals/${created.id}/steps/${stepId}`).send({ decision: 'approve', comment: 'two' }).expect(200);
    expect(second.body).toMatchObject({ status: 'approved', decided_by: bob.id, comment: 'two' });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body.status).toBe('approved');
    expect((await eventsOf(server, created.id)).map((e) => e.type)).toEqual([
      'approval.created',
      'steps.configured',
      'step.vote_recorded',
      'step.decided',
      'approval.approved',
    ]);
    expect(await askedNow(server.db, created.id)).toEqual([]);
  });

  it('a quorum of all needs every member but the requester; a person outside the team is not an approver', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [ann, bob, outsider] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const team = (await admin.http().post('/api/v1/teams').send({ name: 'Legal', member_ids: [ann.id, bob.id] }).expect(201)).body;
    const created = await createRequest(server, seed.key);
    const [step] = (
      await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ team_id: team.id, quorum: 'all', step_order: 1 }] }).expect(201)
    ).body.data;
    expect(step.quorum).toBe('all');

    const refused = await (await sessionOf(server, seed, outsider)).http().patch(`/api/v1/approvals/${created.id}/steps/${step.id}`).send({ decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('NOT_APPROVER');

    await (await sessionOf(server, seed, ann)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body.status).toBe('pending');
    await (await sessionOf(server, seed, bob)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${created.id}`).expect(200)).body.status).toBe('approved');
  });
});
