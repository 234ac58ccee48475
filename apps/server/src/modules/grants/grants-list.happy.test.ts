/**
 * `GET /api/v1/grants` by pages (`page_token` → `next_page_token`) and filters (status, giver), and
 * `GET /api/v1/auto-decisions`: per policy and per grant, how many requests they decided over a window,
 * each count written out by hand from what the test made happen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn, type SignedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const ask = async (seed: SeededOrg, overrides: Record<string, unknown> = {}, key = seed.key) =>
  (await server.http(key).post('/api/v1/approvals').send(approvalBody({ action_type: 'deploy.staging', priority: 'medium', ...overrides })).expect(201)).body;

/** Gives a grant on a fresh request (of its own action type, so grants do not decide each other's requests). */
async function give(seed: SeededOrg, who: SignedIn, actionType: string, grant: Record<string, unknown> = {}): Promise<string> {
  const a = await ask(seed, { action_type: actionType });
  await who.http().patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve', grant }).expect(200);
  const { rows } = await server.db.query<{ id: string }>('SELECT id FROM grants WHERE given_on = $1', [a.id]);
  return rows[0]!.id;
}

describe('GET /grants pages', () => {
  it('pages follow next_page_token to the end, newest first, with no repeat and nothing skipped, while grants are given', async () => {
    const seed = await seedOrg(server.db);
    const ann = await signedIn(server, seed, 'approver');
    const given: string[] = [];
    for (let i = 0; i < 5; i++) given.push(await give(seed, ann, `job.${i}`));
    const first = (await ann.http().get('/api/v1/grants?page_size=2').expect(200)).body;
    expect(first.data.map((g: { id: string }) => g.id)).toEqual([given[4], given[3]]);
    expect(first.next_page_token).toEqual(expect.any(String));
    // A grant given meanwhile is newer than the cursor: it does not shift the pages after it.
    const late = await give(seed, ann, 'job.late');
    const second = (await ann.http().get(`/api/v1/grants?page_size=2&page_token=${first.next_page_token}`).expect(200)).body;
    expect(second.data.map((g: { id: string }) => g.id)).toEqual([given[2], given[1]]);
    const third = (await ann.http().get(`/api/v1/grants?page_size=2&page_token=${second.next_page_token}`).expect(200)).body;
    expect(third).toMatchObject({ data: [{ id: given[0] }], next_page_token: null });
    expect((await ann.http().get('/api/v1/grants?page_size=1').expect(200)).body.data[0].id).toBe(late);
  });

  it('filters: active, revoked, expired, used up, all; and by giver (me or an id)', async () => {
    const seed = await seedOrg(server.db);
    const ann = await signedIn(server, seed, 'approver');
    const bob = await signedIn(server, seed, 'approver');
    const admin = await signedIn(server, seed);
    const live = await give(seed, ann, 'a.live');
    const revoked = await give(seed, ann, 'a.revoked');
    const expired = await give(seed, ann, 'a.expired');
    const usedUp = await give(seed, bob, 'b.used', { max_uses: 1 });
    await ann.http().post(`/api/v1/grants/${revoked}/revoke`).send({}).expect(200);
    await server.db.query(`UPDATE grants SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired]);
    expect((await ask(seed, { action_type: 'b.used' })).decided_by_grant).toMatchObject({ id: usedUp });

    const ids = async (who: SignedIn, q: string) => ((await who.http().get(`/api/v1/grants?${q}`).expect(200)).body.data as { id: string }[]).map((g) => g.id);
    expect(await ids(admin, 'status=active')).toEqual([live]);
    expect(await ids(admin, '')).toEqual([live]);
    expect(await ids(admin, 'status=revoked')).toEqual([revoked]);
    expect(await ids(admin, 'status=expired')).toEqual([expired]);
    expect(await ids(admin, 'status=used_up')).toEqual([usedUp]);
    expect(await ids(admin, 'status=all')).toEqual([usedUp, expired, revoked, live]);
    expect(await ids(admin, `status=all&given_by=${bob.user.id}`)).toEqual([usedUp]);
    expect(await ids(ann, 'status=all&given_by=me')).toEqual([expired, revoked, live]);
    // A giver filter never widens what the caller sees: Ann does not see Bob's grant.
    expect(await ids(ann, `status=all&given_by=${bob.user.id}`)).toEqual([]);
  });
});

describe('GET /auto-decisions: prompts avoided', () => {
  it('counts per policy and per grant over the window; a person sees every policy and only the grants they may see', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const ann = await signedIn(server, seed, 'approver');
    const bob = await signedIn(server, seed, 'approver');
    const source = `@id("no-prod")\nforbid (principal, action, resource) when { resource.hasTag("env") && resource.getTag("env") == "prod" };\n@id("reads")\npermit (principal, action, resource) when { resource.title == "read" };`;
    await admin.http().put('/api/v1/policies').send({ source, never_without_person: { priorities: ['critical'], action_types: [] } }).expect(200);
    const annGrant = await give(seed, ann, 'ann.job');
    const bobGrant = await give(seed, bob, 'bob.job');
    for (let i = 0; i < 3; i++) expect((await ask(seed, { action_type: 'ann.job' })).decided_by_type).toBe('grant');
    expect((await ask(seed, { action_type: 'bob.job' })).decided_by_type).toBe('grant');
    for (let i = 0; i < 2; i++) expect((await ask(seed, { title: 'read' })).decided_by_type).toBe('policy');
    expect((await ask(seed, { tags: { env: 'prod' } })).status).toBe('rejected');
    // Outside the 24 h window, inside 7 days: one more by the policy and one by Ann's grant, moved back.
    const old = [await ask(seed, { title: 'read' }), await ask(seed, { action_type: 'ann.job' })];
    for (const o of old) await server.db.query(`UPDATE approvals SET decided_at = now() - interval '2 days' WHERE id = $1`, [o.id]);
    // A request decided by a person counts for nobody.
    const byPerson = await ask(seed, { action_type: 'other' });
    await ann.http().patch(`/api/v1/approvals/${byPerson.id}`).send({ decision: 'approve' }).expect(200);

    const day = (await admin.http().get('/api/v1/auto-decisions?window=24h').expect(200)).body;
    expect(day).toMatchObject({ window: '24h', since: expect.any(String) });
    expect(day.policies).toEqual([
      { id: 'reads', approved: 2, rejected: 0 },
      { id: 'no-prod', approved: 0, rejected: 1 },
    ]);
    expect(day.grants).toEqual([
      { id: annGrant, given_by: { id: ann.user.id, name: expect.any(String) }, action_type: 'ann.job', connection: { id: seed.connectionId, name: 'primary' }, approved: 3 },
      { id: bobGrant, given_by: { id: bob.user.id, name: expect.any(String) }, action_type: 'bob.job', connection: { id: seed.connectionId, name: 'primary' }, approved: 1 },
    ]);
    const week = (await admin.http().get('/api/v1/auto-decisions').expect(200)).body;
    expect(week.window).toBe('7d');
    expect(week.policies).toEqual([
      { id: 'reads', approved: 3, rejected: 0 },
      { id: 'no-prod', approved: 0, rejected: 1 },
    ]);
    expect(week.grants.map((g: { id: string; approved: number }) => [g.id, g.approved])).toEqual([[annGrant, 4], [bobGrant, 1]]);
    // Bob sees every policy, and of the grants only his own.
    const bobs = (await bob.http().get('/api/v1/auto-decisions?window=30d').expect(200)).body;
    expect(bobs.policies).toEqual(week.policies);
    expect(bobs.grants.map((g: { id: string; approved: number }) => [g.id, g.approved])).toEqual([[bobGrant, 1]]);
    // Another organization sees none of it.
    const other = await seedOrg(server.db);
    expect((await server.http(other.key).get('/api/v1/auto-decisions?window=30d').expect(200)).body).toMatchObject({ policies: [], grants: [] });
  });
});
