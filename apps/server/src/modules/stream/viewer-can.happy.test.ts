/**
 * A long poll's answer and every request the event stream sends carry `viewer_can` for whoever holds
 * the connection, from the same rule as every other answer (greenlight_viewer_can); a batch of
 * events asks the rule once, however many requests it names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WaitResult, WebhookPayload, type ViewerCan } from '@greenlight/contract';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { sessionOf } from '../../testing/session.ts';
import { createRequest, requestAsking } from '../../testing/decisions.ts';
import { countingStatements } from '../../testing/statements.ts';
import { firstOfType, openSse, type SseMessage, type SseStream } from './sse-client.ts';
import { readEvents, START, toPayloads } from './read-events.ts';
import { personAsker, withViewerCan } from '../../core/approvals/index.ts';
import { approvalInOrg, toApproval } from '../../core/approval-record.ts';
import { forViewer } from '../../core/approval-view.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

const streams: SseStream[] = [];
afterAll(() => streams.forEach((s) => s.close()));

const approvalOf = (m: SseMessage) => WebhookPayload.parse(JSON.parse(m.data)).data.approval;

describe('viewer_can on /wait', () => {
  it('the requester and the approver asked each get their own, before and after the decision', async () => {
    const seed = await seedOrg(server.db);
    const bob = await seed.addUser('approver');
    const asBob = await sessionOf(server, seed, bob);
    const { id } = await requestAsking(server, seed.key, bob.id);

    const pendingForKey = (await server.http(seed.key).get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(200)).body;
    expect(WaitResult.parse(pendingForKey)).toMatchObject({ status: 'pending', timed_out: true });
    expect(pendingForKey.viewer_can).toMatchObject({ cancel: { allowed: true }, decide: { approve: { allowed: false, reason: 'You requested this' } } });

    const pendingForBob = (await asBob.http().get(`/api/v1/approvals/${id}/wait?timeout=1`).expect(200)).body;
    expect(pendingForBob.viewer_can).toMatchObject({
      decide: { allowed: true, approve: { allowed: true } },
      cancel: { allowed: false, reason: 'Only the requester or an admin can cancel this' },
    });

    const waiting = server.http(seed.key).get(`/api/v1/approvals/${id}/wait?timeout=20`);
    const decided = asBob.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const [res] = await Promise.all([waiting, decided]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'approved', timed_out: false });
    expect(res.body.viewer_can).toMatchObject({ decide: { allowed: false, reason: 'Already approved' }, cancel: { allowed: false, reason: 'Already approved' } });
  });
});

describe('viewer_can on the event stream', () => {
  it('each holder reads their own viewer_can on the same events', async () => {
    const seed = await seedOrg(server.db);
    const bob = await seed.addUser('approver');
    const asBob = await sessionOf(server, seed, bob);
    const byKey = await openSse(`${server.url}/api/v1/events`, { key: seed.key });
    const byBob = await openSse(`${server.url}/api/v1/events`, { cookie: asBob.cookie });
    streams.push(byKey, byBob);

    const { id } = await requestAsking(server, seed.key, bob.id);
    // approval.created, steps.configured
    const [keySees, bobSees] = [(await byKey.waitFor(2))[1]!, (await byBob.waitFor(2))[1]!];
    expect(approvalOf(keySees)).toMatchObject({ id, viewer_can: { cancel: { allowed: true }, decide: { approve: { allowed: false, reason: 'You requested this' } } } });
    expect(approvalOf(bobSees)).toMatchObject({ id, viewer_can: { decide: { allowed: true }, cancel: { allowed: false } } });

    await asBob.http().patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const last = await firstOfType(byBob, 'approval.approved');
    expect(approvalOf(last)?.viewer_can?.decide).toMatchObject({ allowed: false, reason: 'Already approved' });
  });

  it('a batch asks the rule once for all its requests: two queries for any number of events', async () => {
    const seed = await seedOrg(server.db);
    for (let i = 0; i < 5; i++) await createRequest(server, seed.key, { title: `batch ${i}` });
    const { events } = await readEvents(server.db, seed.org.id, START, 100);
    expect(events.length).toBe(5);
    const { counting, statements } = countingStatements(server.db);
    const asker = { principal: { type: 'connection' as const, id: seed.connectionId }, user: null, scopes: ['approvals:read', 'approvals:write'] as const };
    const payloads = await toPayloads(counting, seed.org.id, events, { ...asker, scopes: [...asker.scopes] });
    expect(statements, statements.join('\n---\n')).toHaveLength(2);
    const cans = payloads.map((p) => p.data.approval?.viewer_can as ViewerCan);
    expect(cans).toHaveLength(5);
    for (const can of cans) expect(can).toMatchObject({ cancel: { allowed: true }, decide: { approve: { allowed: false, reason: 'You requested this' } } });
  });

  it("a batch about one request is one statement, with the request and the rules' answer as their own statements give them", async () => {
    const seed = await seedOrg(server.db);
    const bob = await seed.addUser('approver');
    const { id } = await requestAsking(server, seed.key, bob.id);
    await server.http(seed.key).post(`/api/v1/approvals/${id}/comments`).send({ body: 'one more event' }).expect(201);
    const { events } = await readEvents(server.db, seed.org.id, START, 100);
    expect(new Set(events.map((e) => e.approval_id))).toEqual(new Set([id]));
    const { counting, statements } = countingStatements(server.db);
    for (const asker of [
      { principal: { type: 'connection' as const, id: seed.connectionId }, user: null, scopes: ['approvals:read', 'approvals:write'] },
      personAsker(bob.id, 'approver'),
    ]) {
      statements.length = 0;
      const payloads = await toPayloads(counting, seed.org.id, events, asker);
      expect(statements, statements.join('\n---\n')).toHaveLength(1);
      const [own] = await withViewerCan(server.db, asker, [forViewer(asker, toApproval((await approvalInOrg(server.db, seed.org.id, id))!))]);
      for (const p of payloads) expect(p.data.approval).toEqual(own);
    }
  });
});
