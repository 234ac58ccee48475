/**
 * A woken event stream reads the request its announcements name with its read of the log, not after
 * it (one wait for both, like the long poll's one read): sent right behind the log's read on its
 * connection, one write for both. It uses that read only for events announced before it began:
 * anything else in the batch is read after the log, as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookPayload } from '@greenlight/contract';
import { seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { createRequest } from '../../testing/decisions.ts';
import { countingStatements, statementsDuring } from '../../testing/statements.ts';
import type { BusEvent } from '../../events/event-bus.ts';
import { firstOfType, openSse } from './sse-client.ts';
import { readBeside, readEvents, START, toPayloads } from './read-events.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

/** The log's read (read-events.ts): the only statement that reads `final`. */
const isLogRead = (text: string) => text.includes(' AS final');

describe('a woken stream', () => {
  it('reads the request a decision names behind its read of the log, on its connection, and sends it as it is now', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const stream = await openSse(`${server.url}/api/v1/events`, { key: seed.key });
    try {
      const { id } = await createRequest(server, seed.key, { title: 'read beside' });
      await firstOfType(stream, 'approval.created');

      // Every statement the server sends on the database itself, in one order.
      const { result: approved, steps } = await statementsDuring(server.db, async () => {
        await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
        return firstOfType(stream, 'approval.approved');
      });
      const issued = steps.filter((s) => s.step === 'issued').map((s) => (isLogRead(s.text) ? 'log' : (s.prepare ?? s.text.slice(0, 40))));
      // The log was read on the database itself; the request was not, neither beside it nor after it:
      // it went behind the log's read (or toPayloads would have read it here).
      expect(issued, issued.join(', ')).toContain('log');
      expect(issued, issued.join(', ')).not.toContain('approval_with_can');

      const shown = WebhookPayload.parse(JSON.parse(approved.data)).data.approval;
      expect(shown).toMatchObject({ id, status: 'approved', viewer_can: { decide: { allowed: false, reason: 'Already approved' } } });
    } finally {
      stream.close();
    }
  });
});

describe('readBeside and toPayloads', () => {
  const asKey = (seed: Awaited<ReturnType<typeof seedOrg>>) => ({
    principal: { type: 'connection' as const, id: seed.connectionId },
    user: null,
    scopes: ['approvals:read', 'approvals:write'],
  });
  const heardOf = (orgId: string, events: { id: string; approval_id: string | null; type: string }[]): BusEvent[] =>
    events.map((e) => ({ orgId, eventId: e.id, approvalId: e.approval_id, type: e.type }));

  it('reads nothing beside the log unless every announcement names the same request', async () => {
    const seed = await seedOrg(server.db);
    const a = await createRequest(server, seed.key, { title: 'a' });
    const b = await createRequest(server, seed.key, { title: 'b' });
    const { counting, statements } = countingStatements(server.db);
    const one = (approvalId: string | null, eventId = '1'): BusEvent => ({ orgId: seed.org.id, eventId, approvalId, type: 'approval.created' });
    for (const heard of [null, [], [one(a.id), one(b.id, '2')], [one(a.id), one(null, '2')], [one(null)]]) {
      expect(readBeside(counting, seed.org.id, heard, asKey(seed)), JSON.stringify(heard)).toBeNull();
    }
    expect(statements).toEqual([]);
    const beside = await readBeside(counting, seed.org.id, [one(a.id), one(a.id, '2')], asKey(seed));
    expect(statements).toHaveLength(1);
    expect(beside).toMatchObject({ approvalId: a.id, announced: new Set(['1', '2']), shown: { id: a.id, status: 'pending' } });
  });

  it('stands for the events announced before it was read, and for no later one', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const { id } = await createRequest(server, seed.key, { title: 'before and after' });
    const created = (await readEvents(server.db, seed.org.id, START, 100)).events;
    expect(created.map((e) => e.type)).toEqual(['approval.created']);
    const beside = (await readBeside(server.db, seed.org.id, heardOf(seed.org.id, created), asKey(seed)))!;
    expect(beside.shown).toMatchObject({ status: 'pending' });

    // Announced before the read: the read beside is the request as it is now for it, and nothing is read again.
    const { counting, statements } = countingStatements(server.db);
    const covered = await toPayloads(counting, seed.org.id, created, asKey(seed), beside);
    expect(statements).toEqual([]);
    expect(covered[0]!.data.approval).toEqual(beside.shown);

    // A decision committed after the read beside: the batch holds an event it never heard of, so the
    // request is read again after the log and shows the decision.
    await server.http(approver.key).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
    const both = (await readEvents(server.db, seed.org.id, START, 100)).events;
    expect(both.map((e) => e.type)).toEqual(['approval.created', 'approval.approved']);
    const fresh = await toPayloads(counting, seed.org.id, both, asKey(seed), beside);
    expect(statements).toHaveLength(1);
    for (const p of fresh) expect(p.data.approval).toMatchObject({ id, status: 'approved' });
  });
});
