import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchDecideResult } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { configure, createRequest, snapshot, votesOf } from '../../testing/decisions.ts';
import { signedIn } from '../../testing/session.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

type Expected = { outcome: 'recorded'; status: string; current_approvals: number } | { outcome: 'refused'; http: number; code: string; message: string };

describe('POST /approvals/batch-decide', () => {
  it('50 ids of every kind: each answered exactly as a single decision would, and refused requests left untouched', async () => {
    const seed = await seedOrg(server.db);
    const other = await seedOrg(server.db, 'Other');
    const me = await signedIn(server, seed, 'approver');
    const colleague = await seed.addUser('approver');
    const decider = await seed.newKey();
    const expected = new Map<string, Expected>();
    const add = (id: string, e: Expected) => expected.set(id, e);
    const plain = () => createRequest(server, seed.key);

    for (let i = 0; i < 18; i++) add((await plain()).id, { outcome: 'recorded', status: 'approved', current_approvals: 1 });
    for (let i = 0; i < 2; i++) {
      const quorum = await createRequest(server, seed.key, { required_approvals: 2 });
      add(quorum.id, { outcome: 'recorded', status: 'pending', current_approvals: 1 });
    }
    for (let i = 0; i < 5; i++) {
      const mine = await plain();
      await configure(server, seed.key, mine.id, [me.user.id]);
      add(mine.id, { outcome: 'recorded', status: 'approved', current_approvals: 1 });
    }
    for (let i = 0; i < 5; i++) {
      const decided = await plain();
      await server.http(decider.key).patch(`/api/v1/approvals/${decided.id}`).send({ decision: 'reject' }).expect(200);
      add(decided.id, { outcome: 'refused', http: 409, code: 'INVALID_STATUS', message: 'approval request is already rejected' });
    }
    for (let i = 0; i < 5; i++) {
      const theirs = await plain();
      await configure(server, seed.key, theirs.id, [colleague.id]);
      add(theirs.id, { outcome: 'refused', http: 403, code: 'NOT_APPROVER', message: 'you are not asked to decide any pending step of this request: neither named nor in a team it names' });
    }
    for (let i = 0; i < 5; i++) {
      add((await createRequest(server, other.key)).id, { outcome: 'refused', http: 404, code: 'NOT_FOUND', message: 'approval request not found' });
    }
    for (let i = 0; i < 3; i++) add(randomUUID(), { outcome: 'refused', http: 404, code: 'NOT_FOUND', message: 'approval request not found' });
    for (let i = 0; i < 3; i++) {
      const own = await me.http().post('/api/v1/approvals').send(approvalBody()).expect(201);
      add(own.body.id, { outcome: 'refused', http: 403, code: 'SELF_APPROVAL_FORBIDDEN', message: 'the principal that created this request cannot approve it' });
    }
    for (let i = 0; i < 4; i++) {
      const late = await plain();
      await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 minute' WHERE id = $1`, [late.id]);
      add(late.id, { outcome: 'refused', http: 409, code: 'APPROVAL_EXPIRED', message: 'approval request has expired and can no longer be decided' });
    }
    // In the order of their (random) uuids, so decidable and refused ids interleave.
    const ids = [...expected.keys()].sort((x, y) => (x.slice(9) < y.slice(9) ? -1 : 1));
    expect(ids).toHaveLength(50);
    const before = new Map(await Promise.all(ids.map(async (id) => [id, await snapshot(server, id)] as const)));

    const res = await me.http().post('/api/v1/approvals/batch-decide').send({ ids, decision: 'approve', comment: 'bulk ok', source: 'dashboard' }).expect(200);
    const body = BatchDecideResult.parse(res.body);
    expect(body.data.map((r) => r.id)).toEqual(ids);
    expect(body.recorded).toBe(25);
    expect(body.refused).toBe(25);

    for (const r of body.data) {
      const want = expected.get(r.id)!;
      if (want.outcome === 'recorded') {
        expect(r, r.id).toMatchObject({ outcome: 'recorded', approval: { id: r.id, status: want.status, current_approvals: want.current_approvals } });
        // Exactly one vote, mine, with the batch's comment.
        expect(await votesOf(server, r.id)).toEqual([expect.objectContaining({ voter_type: 'user', voter_id: me.user.id, decision: 'approve', comment: 'bulk ok' })]);
      } else if (r.outcome !== 'refused') {
        expect.fail(`${r.id} was recorded; expected ${want.code}`);
      } else {
        expect(r, r.id).toEqual({ id: r.id, outcome: 'refused', status: want.http, error: expect.objectContaining({ code: want.code, message: want.message }) });
        // No partial state: the request, its votes, events and steps are exactly as before.
        expect(await snapshot(server, r.id), r.id).toEqual(before.get(r.id));
        // And a single decision of the same request, by the same person, answers the same refusal.
        const single = await me.http().patch(`/api/v1/approvals/${r.id}`).send({ decision: 'approve', comment: 'bulk ok' });
        expect(single.status, r.id).toBe(r.status);
        const { request_id: _, ...error } = single.body.error;
        expect(error, r.id).toEqual(r.error);
      }
    }
    // The already-decided ones say how they were decided.
    const rejected = body.data.find((r) => r.outcome === 'refused' && r.error.code === 'INVALID_STATUS');
    expect(rejected).toMatchObject({ error: { details: { status: 'rejected' } } });
  });

  it('a rejection rejects every decidable request, the requester included (withdrawing is allowed)', async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const own = await createRequest(server, decider.key);
    const others = [await createRequest(server, seed.key), await createRequest(server, seed.key)];
    const ids = [own.id, ...others.map((o) => o.id)];
    const res = await server.http(decider.key).post('/api/v1/approvals/batch-decide').send({ ids, decision: 'reject', comment: 'not now' }).expect(200);
    expect(res.body.recorded).toBe(3);
    for (const r of res.body.data) expect(r.approval).toMatchObject({ status: 'rejected', decision_comment: 'not now', decided_by: decider.connectionId });
  });

  it('an id given twice is decided once and answered once, at its first place; case does not matter', async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const a = await createRequest(server, seed.key, { required_approvals: 3 });
    const b = await createRequest(server, seed.key);
    const res = await server
      .http(decider.key)
      .post('/api/v1/approvals/batch-decide')
      .send({ ids: [a.id, b.id, a.id.toUpperCase(), a.id], decision: 'approve' })
      .expect(200);
    expect(res.body.data.map((r: { id: string; outcome: string }) => [r.id, r.outcome])).toEqual([
      [a.id, 'recorded'],
      [b.id, 'recorded'],
    ]);
    expect(res.body).toMatchObject({ recorded: 2, refused: 0 });
    // One vote: a second would have been ALREADY_VOTED, and the quorum of 3 counts one.
    expect(await votesOf(server, a.id)).toHaveLength(1);
    expect(res.body.data[0].approval).toMatchObject({ status: 'pending', current_approvals: 1 });
  });

  it('each decision writes the events and callback a single decision writes', async () => {
    const seed = await seedOrg(server.db);
    const decider = await seed.newKey();
    const a = await createRequest(server, seed.key, { callback_url: 'https://hooks.example.com/cb' });
    await server.http(decider.key).post('/api/v1/approvals/batch-decide').send({ ids: [a.id], decision: 'approve', source: 'bulk' }).expect(200);
    const events = await server.http(seed.key).get(`/api/v1/approvals/${a.id}/events`).expect(200);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['approval.created', 'approval.approved']);
    expect(events.body.data[1].data).toMatchObject({ decision: 'approve', source: 'bulk', approved_content_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const { rows } = await server.db.query<{ target: string; event_type: string }>(
      `SELECT kind AS target, event_type FROM deliveries WHERE approval_id = $1 ORDER BY id`,
      [a.id],
    );
    expect(rows).toEqual([{ target: 'callback', event_type: 'approval.approved' }]);
  });
});
