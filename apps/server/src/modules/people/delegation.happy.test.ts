import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, approvalBody, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { sessionOf, signedIn, type SignedIn } from '../../testing/session.ts';
import { createRequest, eventsOf, requestAsking } from '../../testing/decisions.ts';
import { askedNow } from '../../core/approvals/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();
const HOUR = 3_600_000;

async function inbox(session: SignedIn, assigned = 'me') {
  const res = await session.http().get(`/api/v1/approvals?assigned=${assigned}&page_size=100`).expect(200);
  return (res.body.data as { id: string }[]).map((a) => a.id);
}

/** Moves a delegation's window as time passing would (the API only takes windows that end in the future). */
async function moveWindow(seed: SeededOrg, userId: string, startsAt: string, endsAt: string) {
  await server.db.query('UPDATE delegations SET starts_at = $3, ends_at = $4 WHERE org_id = $1 AND user_id = $2', [seed.org.id, userId, startsAt, endsAt]);
}

describe('delegation', () => {
  it('assignments made inside the window go to the delegate, outside it to the member; pending ones follow the window', async () => {
    const seed = await seedOrg(server.db);
    const bob = await seed.addUser('approver', `bob-${Date.now()}@example.test`);
    const dana = await seed.addUser('approver');
    const asBob = await sessionOf(server, seed, bob);
    const asDana = await sessionOf(server, seed, dana);

    // Before the window (it starts in an hour): what is asked of Bob asks Bob.
    const set = await asBob.http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, starts_at: inFuture(HOUR), ends_at: inFuture(2 * HOUR) }).expect(200);
    expect(set.body.delegation).toMatchObject({ user: { id: bob.id }, delegate: { id: dana.id }, active: false });
    const before = await requestAsking(server, seed.key, bob.id);
    expect(await askedNow(server.db, before.id)).toEqual([bob.id]);
    expect(await inbox(asBob)).toContain(before.id);
    expect(await inbox(asDana)).not.toContain(before.id);

    // Inside the window: a new assignment asks Dana, and so does the one still pending from before.
    await moveWindow(seed, bob.id, new Date(Date.now() - 60_000).toISOString(), inFuture(HOUR));
    expect((await asBob.http().get('/api/v1/me/delegation').expect(200)).body.delegation.active).toBe(true);
    const inside = await requestAsking(server, seed.key, bob.id);
    expect(await askedNow(server.db, inside.id)).toEqual([dana.id]);
    expect(await askedNow(server.db, before.id)).toEqual([dana.id]);
    expect(await inbox(asDana)).toEqual(expect.arrayContaining([inside.id, before.id]));
    expect(await inbox(asBob)).not.toContain(inside.id);
    // The request page says who stands in for Bob.
    const steps = (await asDana.http().get(`/api/v1/approvals/${inside.id}/steps`).expect(200)).body.data;
    expect(steps[0].approvers[0]).toMatchObject({ id: bob.id, delegated_to: { id: dana.id } });

    // Bob is not asked meanwhile; Dana decides for him, recorded as "Dana for Bob".
    const refused = await asBob.http().patch(`/api/v1/approvals/${inside.id}`).send({ decision: 'approve' });
    expect(refused.status).toBe(403);
    // In the words viewer_can shows: the person asked in Bob's place.
    expect(refused.body.error.details).toEqual({ reason: 'not_asked', text: expect.stringMatching(/^Waiting for .+ \(for .+\)$/) });
    await asDana.http().patch(`/api/v1/approvals/${inside.id}`).send({ decision: 'approve', comment: 'covering for Bob' }).expect(200);
    const detail = (await asDana.http().get(`/api/v1/approvals/${inside.id}`).expect(200)).body;
    expect(detail.status).toBe('approved');
    expect(detail.results).toEqual([
      expect.objectContaining({ reviewer: { type: 'user', id: dana.id, name: dana.email }, result: 'approved', comment: 'covering for Bob', on_behalf_of: { id: bob.id, name: bob.email } }),
    ]);
    expect(detail.run.steps[0].results[0].on_behalf_of).toEqual({ id: bob.id, name: bob.email });
    const events = await eventsOf(server, inside.id);
    expect(events.find((e) => e.type === 'step.decided')!.data).toMatchObject({ on_behalf_of: { id: bob.id } });
    expect(events.find((e) => e.type === 'approval.approved')!.data).toMatchObject({ on_behalf_of: { id: bob.id } });
    const { rows: audit } = await server.db.query<{ type: string; actor_id: string; details: Record<string, unknown> }>(
      "SELECT type, actor_id, details FROM audit_log WHERE org_id = $1 AND type LIKE 'delegation.%' OR (org_id = $1 AND type = 'approval.delegate_vote') ORDER BY id",
      [seed.org.id],
    );
    expect(audit.map((r) => [r.type, r.actor_id])).toEqual([
      ['delegation.set', bob.id],
      ['approval.delegate_vote', dana.id],
    ]);
    expect(audit[1]!.details).toMatchObject({ on_behalf_of: { id: bob.id }, decision: 'approve' });

    // After the window: new assignments ask Bob again, and so does the one still pending.
    await moveWindow(seed, bob.id, new Date(Date.now() - 2 * HOUR).toISOString(), new Date(Date.now() - 60_000).toISOString());
    const after = await requestAsking(server, seed.key, bob.id);
    expect(await askedNow(server.db, after.id)).toEqual([bob.id]);
    expect(await askedNow(server.db, before.id)).toEqual([bob.id]);
    expect((await asBob.http().get('/api/v1/me/delegation').expect(200)).body.delegation).toBeNull();
  });

  it('a delegate also asked in their own right votes as themselves; teams are followed; ending it early hands back at once (audited)', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [bob, dana, carl] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const team = (await admin.http().post('/api/v1/teams').send({ name: 'Ops', member_ids: [bob.id, carl.id] }).expect(201)).body;
    const asBob = await sessionOf(server, seed, bob);
    await asBob.http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, ends_at: inFuture(HOUR) }).expect(200);

    // A team step: Bob's place in it goes to Dana; Carl is asked as himself.
    const created = await createRequest(server, seed.key);
    await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ team_id: team.id, quorum: 'all', step_order: 1 }] }).expect(201);
    expect(await askedNow(server.db, created.id)).toEqual([carl.id, dana.id].sort());
    const asDana = await sessionOf(server, seed, dana);
    expect(await inbox(asDana)).toContain(created.id);
    expect(await inbox(asDana, 'my_teams')).not.toContain(created.id);

    // Quorum `all` counts Dana's vote in Bob's place.
    await asDana.http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    await (await sessionOf(server, seed, carl)).http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' }).expect(200);
    const detail = (await admin.http().get(`/api/v1/approvals/${created.id}`).expect(200)).body;
    expect(detail.status).toBe('approved');
    expect(detail.results.map((r: { reviewer: { id: string }; on_behalf_of: unknown }) => [r.reviewer.id, r.on_behalf_of])).toEqual([
      [dana.id, { id: bob.id, name: bob.email }],
      [carl.id, null],
    ]);

    // Named in their own right as well as standing in: the vote is their own.
    const both = await createRequest(server, seed.key);
    await server.http(seed.key).post(`/api/v1/approvals/${both.id}/steps`).send({ steps: [{ approver_id: dana.id, step_order: 1 }, { approver_id: bob.id, step_order: 2 }] }).expect(201);
    await asDana.http().patch(`/api/v1/approvals/${both.id}`).send({ decision: 'approve' }).expect(200);
    const own = (await admin.http().get(`/api/v1/approvals/${both.id}`).expect(200)).body.results;
    expect(own[0]).toMatchObject({ reviewer: { id: dana.id }, on_behalf_of: null });

    // Ending it early: Bob is asked again at once; the audit log has both.
    await asBob.http().delete('/api/v1/me/delegation').expect(200, { delegation: null });
    expect(await askedNow(server.db, both.id)).toEqual([bob.id]);
    const { rows } = await server.db.query<{ type: string }>("SELECT type FROM audit_log WHERE org_id = $1 AND type LIKE 'delegation.%' ORDER BY id", [seed.org.id]);
    expect(rows.map((r) => r.type)).toEqual(['delegation.set', 'delegation.removed']);
  });

  it('one hop: a delegate who is away too does not pass it on; an admin sets a delegation for a member', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const [bob, dana, eve] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    await admin.http().post(`/api/v1/members/${bob.id}/delegation`).send({ delegate_id: dana.id, ends_at: inFuture(HOUR) }).expect(200);
    expect((await admin.http().get(`/api/v1/members/${bob.id}/delegation`).expect(200)).body.delegation).toMatchObject({ delegate: { id: dana.id }, active: true });
    const forBob = await requestAsking(server, seed.key, bob.id);
    expect(await askedNow(server.db, forBob.id)).toEqual([dana.id]);
    // Dana goes away too (to Eve): Bob's assignment stays with Bob rather than travelling on to Eve.
    await (await sessionOf(server, seed, dana)).http().post('/api/v1/me/delegation').send({ delegate_id: eve.id, ends_at: inFuture(HOUR) }).expect(200);
    expect(await askedNow(server.db, forBob.id)).toEqual([bob.id]);
    const forDana = await requestAsking(server, seed.key, dana.id);
    expect(await askedNow(server.db, forDana.id)).toEqual([eve.id]);
    const { rows } = await server.db.query<{ actor_id: string; target_id: string }>("SELECT actor_id, target_id FROM audit_log WHERE org_id = $1 AND type = 'delegation.set' ORDER BY id", [seed.org.id]);
    expect(rows).toEqual([
      { actor_id: seed.admin.id, target_id: bob.id },
      { actor_id: dana.id, target_id: dana.id },
    ]);
  });

  it('four-eyes: a delegate cannot approve, in anyone\'s place, a request they created', async () => {
    const seed = await seedOrg(server.db);
    const [bob, dana] = [await seed.addUser('approver'), await seed.addUser('approver')];
    await (await sessionOf(server, seed, bob)).http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, ends_at: inFuture(HOUR) }).expect(200);
    const asDana = await sessionOf(server, seed, dana);
    const created = (await asDana.http().post('/api/v1/approvals').send(approvalBody()).expect(201)).body;
    await asDana.http().post(`/api/v1/approvals/${created.id}/steps`).send({ steps: [{ approver_id: bob.id, step_order: 1 }] }).expect(201);
    expect(await askedNow(server.db, created.id)).toEqual([]);
    const refused = await asDana.http().patch(`/api/v1/approvals/${created.id}`).send({ decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'SELF_APPROVAL_FORBIDDEN', details: { reason: 'requester' } });
    expect(await inbox(asDana)).not.toContain(created.id);
  });
});
