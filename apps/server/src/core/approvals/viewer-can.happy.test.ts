/**
 * viewer_can and the decision agree: for each viewer and request below, what GET answers as
 * `viewer_can` is what PATCH then does (allowed → 200; refused → 4xx in the same words).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewerCan } from '@greenlight/contract';
import { seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { sessionOf, type SignedIn } from '../../testing/session.ts';
import { allowAdminOverride, createRequest, requestAsking } from '../../testing/decisions.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

type Caller = { http: () => ReturnType<SignedIn['http']> };
const keyCaller = (key: string): Caller => ({ http: () => server.http(key) });

async function canOf(who: Caller, approvalId: string): Promise<ViewerCan> {
  const res = await who.http().get(`/api/v1/approvals/${approvalId}`).expect(200);
  return res.body.viewer_can as ViewerCan;
}

/** Asks viewer_can, then decides, and checks that the two agree; answers the viewer_can asked. */
async function agree(who: Caller, approvalId: string, decision: 'approve' | 'reject'): Promise<ViewerCan> {
  const can = await canOf(who, approvalId);
  const res = await who.http().patch(`/api/v1/approvals/${approvalId}`).send({ decision });
  const expected = decision === 'approve' ? can.decide.approve : can.decide;
  if (expected.allowed) {
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  } else {
    expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
    // A refusal, never a failure: 4xx, or 503 for the emergency stop.
    expect(res.status === 503 || res.status < 500).toBe(true);
    expect(expected.reason).toEqual(expect.any(String));
    // The refusals of the rule itself carry the words viewer_can showed.
    if (['NOT_APPROVER', 'SELF_APPROVAL_FORBIDDEN', 'ALREADY_VOTED', 'STEP_OUT_OF_ORDER'].includes(res.body.error.code)) {
      expect(res.body.error.details.text).toBe(expected.reason);
    }
  }
  return can;
}

async function team(seed: SeededOrg, name: string, memberIds: string[]): Promise<string> {
  const admin = await sessionOf(server, seed, seed.admin);
  const res = await admin.http().post('/api/v1/teams').send({ name, member_ids: memberIds }).expect(201);
  return res.body.id as string;
}

async function stepsRequest(seed: SeededOrg, steps: Record<string, unknown>[], overrides: Record<string, unknown> = {}) {
  const created = await createRequest(server, seed.key, overrides);
  const res = await server.http(seed.key).post(`/api/v1/approvals/${created.id}/steps`).send({ steps });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: created.id, steps: res.body.data as { id: string }[] };
}

describe('viewer_can agrees with the decision', () => {
  it('without steps: an approver may; the requester may reject but not approve; a second vote is refused; a viewer may not', async () => {
    const seed = await seedOrg(server.db);
    const [ann, bob, vic] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('viewer')];
    const [asAnn, asBob, asVic] = [await sessionOf(server, seed, ann), await sessionOf(server, seed, bob), await sessionOf(server, seed, vic)];

    const plain = await createRequest(server, seed.key, { required_approvals: 2 });
    const can = await agree(asAnn, plain.id, 'approve');
    expect(can.decide).toEqual({ allowed: true, steps: [], approve: { allowed: true } });
    expect((await agree(asAnn, plain.id, 'approve')).decide).toMatchObject({ allowed: false, reason: 'You already voted' });
    expect((await agree(asVic, plain.id, 'reject')).decide).toMatchObject({ allowed: false, reason: 'Viewers cannot change requests' });

    const own = (await asBob.http().post('/api/v1/approvals').send({ title: 'mine', description: 'd', priority: 'low' }).expect(201)).body;
    expect((await agree(asBob, own.id, 'approve')).decide).toMatchObject({ allowed: true, approve: { allowed: false, reason: 'You requested this' } });
    expect((await agree(asBob, own.id, 'reject')).decide.allowed).toBe(true);
    expect((await agree(asAnn, own.id, 'approve')).decide).toMatchObject({ allowed: false, reason: 'Already rejected' });
  });

  it('steps: a person the active step does not ask reads "Waiting for …" and is refused in the same words; one it asks may vote on it', async () => {
    const seed = await seedOrg(server.db);
    const [bob, carl] = [await seed.addUser('approver', 'bob@example.test'), await seed.addUser('approver')];
    const [asBob, asCarl] = [await sessionOf(server, seed, bob), await sessionOf(server, seed, carl)];
    const asked = await requestAsking(server, seed.key, bob.id);
    expect((await agree(asCarl, asked.id, 'approve')).decide).toEqual({
      allowed: false, reason: 'Waiting for bob@example.test', steps: [], approve: { allowed: false, reason: 'Waiting for bob@example.test' },
    });
    expect((await agree(asCarl, asked.id, 'reject')).decide.allowed).toBe(false);
    expect((await agree(asBob, asked.id, 'approve')).decide).toEqual({ allowed: true, steps: [asked.stepId], approve: { allowed: true } });
  });

  it('teams: "Waiting for team Oncall" outside the team; a member decides', async () => {
    const seed = await seedOrg(server.db);
    const [ann, out] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const oncall = await team(seed, 'Oncall', [ann.id]);
    const req = await stepsRequest(seed, [{ team_id: oncall, step_order: 1 }]);
    expect((await agree(await sessionOf(server, seed, out), req.id, 'approve')).decide.reason).toBe('Waiting for team Oncall');
    expect((await agree(await sessionOf(server, seed, ann), req.id, 'approve')).decide.steps).toEqual([req.steps[0]!.id]);
  });

  it('sequential steps: the second step\'s person waits for the first, in the words of the refusal', async () => {
    const seed = await seedOrg(server.db);
    const [bob, carl] = [await seed.addUser('approver', 'bob-seq@example.test'), await seed.addUser('approver')];
    const req = await stepsRequest(seed, [{ approver_id: bob.id, step_order: 1 }, { approver_id: carl.id, step_order: 2 }], { is_sequential: true });
    const asCarl = await sessionOf(server, seed, carl);
    expect((await agree(asCarl, req.id, 'approve')).decide.reason).toBe('Waiting for bob-seq@example.test');
    await agree(await sessionOf(server, seed, bob), req.id, 'approve');
    expect((await agree(asCarl, req.id, 'approve')).decide).toMatchObject({ allowed: true, steps: [req.steps[1]!.id] });
  });

  it('out of office: the person away is not asked ("Waiting for Dana (for Bob)"); the delegate is', async () => {
    const seed = await seedOrg(server.db);
    const [bob, dana] = [await seed.addUser('approver', 'bob-ooo@example.test'), await seed.addUser('approver', 'dana-ooo@example.test')];
    const [asBob, asDana] = [await sessionOf(server, seed, bob), await sessionOf(server, seed, dana)];
    await asBob.http().post('/api/v1/me/delegation').send({ delegate_id: dana.id, starts_at: new Date(Date.now() + 3_600_000).toISOString(), ends_at: new Date(Date.now() + 7_200_000).toISOString() }).expect(200);
    await server.db.query('UPDATE delegations SET starts_at = now() - interval \'1 minute\' WHERE user_id = $1', [bob.id]);
    const asked = await requestAsking(server, seed.key, bob.id);
    expect((await agree(asBob, asked.id, 'approve')).decide.reason).toBe('Waiting for dana-ooo@example.test (for bob-ooo@example.test)');
    expect((await agree(asDana, asked.id, 'approve')).decide.allowed).toBe(true);
  });

  it('admins: refused without the override, allowed with it; under admin_only only admins', async () => {
    const seed = await seedOrg(server.db);
    const [bob, ann] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const admin = await sessionOf(server, seed, seed.admin);
    const first = await requestAsking(server, seed.key, bob.id);
    expect((await agree(admin, first.id, 'approve')).decide.allowed).toBe(false);
    await allowAdminOverride(server, seed.org.id);
    expect((await agree(admin, first.id, 'approve')).decide.allowed).toBe(true);
    // An API key that did not create the request is privileged like an admin.
    const other = await seed.newKey();
    expect((await agree(keyCaller(other.key), (await requestAsking(server, seed.key, bob.id)).id, 'reject')).decide.allowed).toBe(true);

    await server.db.query(`UPDATE orgs SET resolve_policy = 'admin_only' WHERE id = $1`, [seed.org.id]);
    const plain = await createRequest(server, seed.key);
    expect((await agree(await sessionOf(server, seed, ann), plain.id, 'approve')).decide.reason).toBe('Only admins decide requests in this organization');
    expect((await agree(admin, plain.id, 'approve')).decide.allowed).toBe(true);
  });

  it('the emergency stop refuses deciding, cancelling, reassigning and commenting, and viewer_can says so', async () => {
    const seed = await seedOrg(server.db);
    const admin = await sessionOf(server, seed, seed.admin);
    const plain = await createRequest(server, seed.key);
    await admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    const can = await agree(admin, plain.id, 'approve');
    for (const what of ['decide', 'cancel', 'reassign', 'comment'] as const) expect(can[what]).toMatchObject({ allowed: false, reason: 'The emergency stop is on' });
    await admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
  });
});

describe('viewer_can on lists', () => {
  it('every item of a page and of the inbox carries what the caller may do', async () => {
    const seed = await seedOrg(server.db);
    const [bob, carl] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const asked = await requestAsking(server, seed.key, bob.id);
    const asCarl = await sessionOf(server, seed, carl);
    const page = (await asCarl.http().get('/api/v1/approvals?page_size=100').expect(200)).body.data as { id: string; viewer_can: ViewerCan }[];
    expect(page.find((a) => a.id === asked.id)?.viewer_can.decide.allowed).toBe(false);
    const inbox = (await (await sessionOf(server, seed, bob)).http().get('/api/v1/approvals?assigned=me').expect(200)).body.data as { id: string; viewer_can: ViewerCan }[];
    expect(inbox.map((a) => [a.id, a.viewer_can.decide.allowed])).toEqual([[asked.id, true]]);
  });

  it('under admin_only the inbox asks the admins, with and without steps, and no approver: who is asked agrees with who may decide', async () => {
    const seed = await seedOrg(server.db);
    const [bob, ann] = [await seed.addUser('approver'), await seed.addUser('approver')];
    await server.db.query(`UPDATE orgs SET resolve_policy = 'admin_only' WHERE id = $1`, [seed.org.id]);
    const plain = await createRequest(server, seed.key);
    const stepped = await requestAsking(server, seed.key, bob.id);
    const inboxOf = async (who: SignedIn) =>
      ((await who.http().get('/api/v1/approvals?assigned=me').expect(200)).body.data as { id: string; viewer_can: ViewerCan }[])
        .filter((a) => a.id === plain.id || a.id === stepped.id)
        .map((a) => [a.id, a.viewer_can.decide.allowed]);
    const admin = await sessionOf(server, seed, seed.admin);
    expect((await inboxOf(admin)).sort()).toEqual([[plain.id, true], [stepped.id, true]].sort());
    expect(await inboxOf(await sessionOf(server, seed, bob))).toEqual([]);
    expect(await inboxOf(await sessionOf(server, seed, ann))).toEqual([]);
    const asked = await server.db.query<{ user_id: string; step_order: number }>('SELECT user_id, step_order FROM greenlight_asked_now($1)', [stepped.id]);
    expect(asked.rows).toEqual([{ user_id: seed.admin.id, step_order: 1 }]);
  });

  it('each request a batch decision recorded carries what the caller may do next', async () => {
    const seed = await seedOrg(server.db);
    const ann = await seed.addUser('approver');
    const req = await createRequest(server, seed.key, { required_approvals: 2 });
    const res = await (await sessionOf(server, seed, ann)).http().post('/api/v1/approvals/batch-decide').send({ ids: [req.id], decision: 'approve' }).expect(200);
    expect(res.body.data[0]).toMatchObject({ outcome: 'recorded', approval: { viewer_can: { decide: { allowed: false, reason: 'You already voted' } } } });
  });
});

describe('revoke: any approver whose approving vote the approval rests on, or an admin', () => {
  it('with required_approvals 2, the first voter may revoke, viewer_can says so beforehand, and others may not', async () => {
    const seed = await seedOrg(server.db);
    const [ann, bob, carl] = [await seed.addUser('approver'), await seed.addUser('approver'), await seed.addUser('approver')];
    const [asAnn, asBob, asCarl] = [await sessionOf(server, seed, ann), await sessionOf(server, seed, bob), await sessionOf(server, seed, carl)];
    const req = await createRequest(server, seed.key, { required_approvals: 2, revocable_for_seconds: 600 });
    await asAnn.http().patch(`/api/v1/approvals/${req.id}`).send({ decision: 'approve' }).expect(200);
    expect((await canOf(asAnn, req.id)).revoke).toEqual({ allowed: false, reason: 'Not approved yet' });
    const decided = await asBob.http().patch(`/api/v1/approvals/${req.id}`).send({ decision: 'approve' }).expect(200);
    expect(decided.body).toMatchObject({ status: 'approved', decided_by: bob.id, viewer_can: { revoke: { allowed: true } } });

    expect((await canOf(asCarl, req.id)).revoke).toEqual({ allowed: false, reason: 'Only an approver who approved this, or an admin, can revoke it' });
    const refused = await asCarl.http().post(`/api/v1/approvals/${req.id}/revoke`).send({}).expect(403);
    expect(refused.body.error.details).toMatchObject({ reason: 'not_an_approver', text: 'Only an approver who approved this, or an admin, can revoke it' });

    // Ann is not decided_by, but her approval is one the request rests on.
    expect((await canOf(asAnn, req.id)).revoke).toEqual({ allowed: true });
    const revoked = await asAnn.http().post(`/api/v1/approvals/${req.id}/revoke`).send({ reason: 'second thoughts' }).expect(200);
    expect(revoked.body).toMatchObject({ status: 'rejected', revoked_by: { id: ann.id }, viewer_can: { revoke: { allowed: false, reason: 'Already revoked' } } });
  });
});

describe('one answer, however it is read', () => {
  it('GET and the list each read viewer_can with their own statement: each caller gets the same answer from both', async () => {
    const seed = await seedOrg(server.db);
    const [ann, vic] = [await seed.addUser('approver'), await seed.addUser('viewer')];
    const plain = await createRequest(server, seed.key);
    const asked = await requestAsking(server, seed.key, ann.id);
    const decided = await createRequest(server, seed.key, { revocable_for_seconds: 600 });
    await server.http(seed.key).patch(`/api/v1/approvals/${decided.id}`).send({ decision: 'approve' });
    const callers: Caller[] = [keyCaller(seed.key), await sessionOf(server, seed, seed.admin), await sessionOf(server, seed, ann), await sessionOf(server, seed, vic)];
    for (const who of callers) {
      const listed = await who.http().get('/api/v1/approvals?page_size=100').expect(200);
      const fromList = new Map((listed.body.data as { id: string; viewer_can: ViewerCan }[]).map((a) => [a.id, a.viewer_can]));
      for (const id of [plain.id, asked.id, decided.id]) {
        expect(fromList.get(id)).toBeDefined();
        expect(await canOf(who, id)).toEqual(fromList.get(id));
      }
    }
  });

  it('each page of the list carries its own requests\' answers: numbered and cursor pages, the index walk, the counted matches and the maintained count', async () => {
    const seed = await seedOrg(server.db);
    const ann = await seed.addUser('approver');
    const ids = [
      (await createRequest(server, seed.key, { title: 'Rotate the signing key' })).id,
      (await requestAsking(server, seed.key, ann.id)).id,
      (await createRequest(server, seed.key, { title: 'Rotate the backup key', priority: 'high' })).id,
    ];
    await server.http(seed.key).patch(`/api/v1/approvals/${ids[2]}`).send({ decision: 'reject' }).expect(200);
    const callers: Caller[] = [keyCaller(seed.key), await sessionOf(server, seed, ann)];
    // Each query reads its page another way (list-approvals.ts): by status alone, by search, with no filter.
    for (const query of ['status=pending', 'search=rotate', '']) {
      for (const who of callers) {
        const seen: string[] = [];
        let next: string | null = `/api/v1/approvals?page_size=1${query ? `&${query}` : ''}`;
        while (next) {
          const res = await who.http().get(next).expect(200);
          const data = res.body.data as { id: string; viewer_can: ViewerCan }[];
          expect(data.length).toBeLessThanOrEqual(1);
          for (const a of data) {
            seen.push(a.id);
            expect(a.viewer_can, `${query} ${a.id}`).toEqual(await canOf(who, a.id));
          }
          const token = res.body.next_page_token as string | null;
          next = token ? `/api/v1/approvals?page_size=1${query ? `&${query}` : ''}&page_token=${encodeURIComponent(token)}` : null;
        }
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.length).toBe(query === '' ? 3 : 2);
      }
      // A numbered page past the first: its one request, with its own answer.
      const second = await keyCaller(seed.key).http().get(`/api/v1/approvals?page_size=1&page=2${query ? `&${query}` : ''}`).expect(200);
      for (const a of second.body.data as { id: string; viewer_can: ViewerCan }[]) expect(a.viewer_can).toEqual(await canOf(keyCaller(seed.key), a.id));
    }
  });
});
