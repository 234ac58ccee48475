import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { createRequest, snapshot } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('teams API refusals', () => {
  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'ok', member_ids: ['nope'] }, 'member_ids.0'],
    [{ name: 'ok', extra: 1 }, ''],
  ])('create %j → 400 naming %s', async (body, path) => {
    const seed = await seedOrg(server.db);
    const res = await (await signedIn(server, seed)).http().post('/api/v1/teams').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    if (path) expect(res.body.error.message).toContain(path);
  });

  it('names are unique ignoring case, on create and rename (409 NAME_TAKEN)', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    await admin.http().post('/api/v1/teams').send({ name: 'SRE' }).expect(201);
    const other = await admin.http().post('/api/v1/teams').send({ name: 'Ops' }).expect(201);
    const dup = await admin.http().post('/api/v1/teams').send({ name: 'sre' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'NAME_TAKEN', message: 'a team named "sre" already exists' });
    expect((await admin.http().patch(`/api/v1/teams/${other.body.id}`).send({ name: 'Sre' })).body.error.code).toBe('NAME_TAKEN');
    // Another org may use the name.
    await (await signedIn(server, await seedOrg(server.db))).http().post('/api/v1/teams').send({ name: 'SRE' }).expect(201);
  });

  it('members must belong to the org; a second add is 409 ALREADY_MEMBER; removing a non-member is 404', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db);
    const stranger = await other.addUser('approver');
    const ann = await seed.addUser('approver');
    const admin = await signedIn(server, seed);
    const create = await admin.http().post('/api/v1/teams').send({ name: 'SRE', member_ids: [ann.id, stranger.id] });
    expect(create.status).toBe(400);
    expect(create.body.error.message).toBe(`member_ids.1: user ${stranger.id} is not a member of this organization`);
    const team = (await admin.http().post('/api/v1/teams').send({ name: 'SRE', member_ids: [ann.id] }).expect(201)).body;
    expect((await admin.http().post(`/api/v1/teams/${team.id}/members`).send({ user_id: stranger.id })).status).toBe(400);
    const twice = await admin.http().post(`/api/v1/teams/${team.id}/members`).send({ user_id: ann.id });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('ALREADY_MEMBER');
    expect((await admin.http().delete(`/api/v1/teams/${team.id}/members/${randomUUID()}`)).status).toBe(404);
    expect((await admin.http().patch(`/api/v1/teams/${randomUUID()}`).send({ name: 'x' })).status).toBe(404);
  });

  it('a team named by a pending step cannot be deleted (409 IN_USE naming the request); once decided it can', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const ann = await seed.addUser('approver');
    const team = (await admin.http().post('/api/v1/teams').send({ name: 'SRE', member_ids: [ann.id] }).expect(201)).body;
    const created = await createRequest(server, seed.key);
    // A team of one cannot meet a quorum of 2.
    const tooMany = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ team_id: team.id, quorum: 2, step_order: 1 }] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toBe('steps.0.quorum: quorum 2 is more than the 1 person this step asks');
    await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ team_id: team.id, step_order: 1 }] }).expect(201);
    const refused = await admin.http().delete(`/api/v1/teams/${team.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'IN_USE', details: { approval_ids: [created.id], flow_ids: [] } });
    await server.http(seed.key).delete(`/api/v1/approvals/${created.id}`).expect(200);
    await admin.http().delete(`/api/v1/teams/${team.id}`).expect(200);
  });

  it('a step names one approver_id or one team_id, and only a team of the org', async () => {
    const seed = await seedOrg(server.db);
    const other = await signedIn(server, await seedOrg(server.db));
    const foreign = (await other.http().post('/api/v1/teams').send({ name: 'Theirs' }).expect(201)).body;
    const ann = await seed.addUser('approver');
    const created = await createRequest(server, seed.key);
    const before = await snapshot(server, created.id);
    for (const [step, message] of [
      [{ step_order: 1 }, 'steps.0.approver_id'],
      [{ step_order: 1, approver_id: ann.id, team_id: foreign.id }, 'steps.0.approver_id'],
      [{ step_order: 1, approver_id: ann.id, quorum: 2 }, 'steps.0.quorum'],
      [{ step_order: 1, team_id: foreign.id }, `steps.0.team_id: team_id ${foreign.id} is not a team of this organization`],
    ] as const) {
      const res = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [step] });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
    expect(await snapshot(server, created.id)).toEqual(before);
  });
});
