/**
 * viewer_can is the caller's own answer, never someone else's: a read-only credential, another
 * person, and another org's request each get what the rules give them, and the decision agrees;
 * also when many callers ask at once and their asks share one statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf } from '../../testing/session.ts';
import { createRequest } from '../../testing/decisions.ts';
import { viewerCanMany } from './rules.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('viewer_can security', () => {
  it('a read-only key may do nothing but read, is told why, and is refused alike', async () => {
    const seed = await seedOrg(server.db);
    const req = await createRequest(server, seed.key);
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const got = await server.http(reader.key).get(`/api/v1/approvals/${req.id}`).expect(200);
    expect(got.body.viewer_can).toMatchObject({
      decide: { allowed: false, reason: 'This credential lacks the approvals:write scope' },
      cancel: { allowed: false },
      comment: { allowed: false, reason: 'This credential lacks the comments:write scope' },
    });
    const refused = await server.http(reader.key).patch(`/api/v1/approvals/${req.id}`).send({ decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('INSUFFICIENT_SCOPE');
  });

  it('each caller reads their own: the requester may cancel, another approver may not, in the same list', async () => {
    const seed = await seedOrg(server.db);
    const [ann, bob] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const [asAnn, asBob] = [await sessionOf(server, seed, ann), await sessionOf(server, seed, bob)];
    const mine = (await asAnn.http().post('/api/v1/approvals').send({ title: 'Ann asks', description: 'd', priority: 'low' }).expect(201)).body;
    const annSees = (await asAnn.http().get(`/api/v1/approvals/${mine.id}`).expect(200)).body.viewer_can;
    const bobSees = (await asBob.http().get(`/api/v1/approvals/${mine.id}`).expect(200)).body.viewer_can;
    expect(annSees.cancel).toEqual({ allowed: true });
    expect(bobSees.cancel).toEqual({ allowed: false, reason: 'Only the requester or an admin can cancel this' });
    await asBob.http().delete(`/api/v1/approvals/${mine.id}`).expect(403);
    expect(bobSees.decide.approve).toEqual({ allowed: true });
    expect(annSees.decide.approve).toEqual({ allowed: false, reason: 'You requested this' });
  });

  it("another org's request answers 404 and no viewer_can; the rule answers nothing for an unknown id", async () => {
    const [ours, theirs] = [await seedOrg(server.db), await seedOrg(server.db)];
    const req = await createRequest(server, theirs.key);
    const res = await server.http(ours.key).get(`/api/v1/approvals/${req.id}`);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('viewer_can');
    const none = await viewerCanMany(server.db, { principal: { type: 'connection', id: ours.connectionId }, user: null, scopes: [] }, ['00000000-0000-4000-8000-000000000000']);
    expect(none.size).toBe(0);
  });

  it('many callers asking at once (one statement for all) each get their own answer, and a bad id fails only its own ask', async () => {
    const seed = await seedOrg(server.db);
    const [ann, bob] = [await seed.addUser('approver'), await seed.addUser('approver')];
    const [asAnn, asBob] = [await sessionOf(server, seed, ann), await sessionOf(server, seed, bob)];
    const mine = (await asAnn.http().post('/api/v1/approvals').send({ title: 'Ann asks', description: 'd', priority: 'low' }).expect(201)).body;
    const reader = await seed.newKey({ scopes: ['approvals:read'] });
    const annAsks = { principal: { type: 'user' as const, id: ann.id }, user: { id: ann.id, role: 'approver' as const }, scopes: ['approvals:write', 'comments:write'] };
    const bobAsks = { ...annAsks, principal: { type: 'user' as const, id: bob.id }, user: { id: bob.id, role: 'approver' as const } };
    const readerAsks = { principal: { type: 'connection' as const, id: reader.connectionId }, user: null, scopes: ['approvals:read'] };
    // Asked in the same turn of the event loop: they go as one statement.
    const answers = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => [annAsks, bobAsks, readerAsks][i % 3]!).map((who, i) => viewerCanMany(server.db, who, i === 7 ? ['not-a-uuid'] : [mine.id])),
    );
    answers.forEach((a, i) => {
      if (i === 7) {
        expect(a.status).toBe('rejected');
        return;
      }
      expect(a.status).toBe('fulfilled');
      const can = (a as PromiseFulfilledResult<Map<string, { decide: { approve: unknown }; cancel: unknown; comment: unknown }>>).value.get(mine.id)!;
      if (i % 3 === 0) {
        expect(can.cancel).toEqual({ allowed: true });
        expect(can.decide.approve).toEqual({ allowed: false, reason: 'You requested this' });
      } else if (i % 3 === 1) {
        expect(can.cancel).toEqual({ allowed: false, reason: 'Only the requester or an admin can cancel this' });
        expect(can.decide.approve).toEqual({ allowed: true });
      } else {
        expect(can.comment).toEqual({ allowed: false, reason: 'This credential lacks the comments:write scope' });
      }
    });
    // The API's answers agree with the batched rule.
    expect((await asBob.http().get(`/api/v1/approvals/${mine.id}`).expect(200)).body.viewer_can.decide.approve).toEqual({ allowed: true });
  });
});
