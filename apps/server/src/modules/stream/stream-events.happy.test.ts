import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookPayload } from '@greenlight/contract';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { openSse, type SseMessage, type SseStream } from './sse-client.ts';
import { STREAM_RECHECK_MS } from './stream-events.ts';

let server: TestServer;
/** Left open on purpose: stopping the server must end it rather than wait for it. */
let lingering: SseStream | undefined;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  // Without the bus ending the open stream, close() would wait for it until the hook times out.
  const t0 = performance.now();
  await server.close();
  expect(performance.now() - t0).toBeLessThan(10_000);
  if (lingering) expect(lingering.ended).toBe(true);
  await server.stop();
}, 60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const streams: SseStream[] = [];
async function open(key: string, lastEventId?: string, query = '') {
  const s = await openSse(`${server.url}/api/v1/events${query}`, { key, lastEventId });
  streams.push(s);
  return s;
}
afterAll(() => streams.filter((s) => s !== lingering).forEach((s) => s.close()));

async function create(seed: SeededOrg, overrides: Record<string, unknown> = {}): Promise<{ id: string }> {
  return (await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201)).body;
}

/** The org's event ids and types, straight from the log. */
async function logOf(orgId: string) {
  const { rows } = await server.db.query<{ id: string; type: string }>('SELECT e.id::text AS id, e.type FROM events e WHERE e.org_id = $1 ORDER BY e.id', [orgId]);
  return rows;
}

const parsed = (m: SseMessage) => WebhookPayload.parse(JSON.parse(m.data));

describe('GET /api/v1/events', () => {
  it('streams the org’s events live, each framed with its id and type, in the WebhookPayload shape', async () => {
    const seed = await seedOrg(server.db);
    const approver = await seed.newKey();
    const s = await open(seed.key);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['cache-control']).toContain('no-cache');

    const a = await create(seed, { metadata: { ticket: 'SUP-1' } });
    const [created] = await s.waitFor(1);
    expect(created).toMatchObject({ event: 'approval.created' });
    const decision = await server.http(approver.key).patch(`/api/v1/approvals/${a.id}`).send({ decision: 'approve' }).expect(200);
    const decidedAt = performance.now();
    const [, approved] = await s.waitFor(2);
    // Sooner than the stream's own recheck: only the event explains it (how fast is bench/'s W1).
    expect(approved!.at - decidedAt).toBeLessThan(STREAM_RECHECK_MS / 2);

    const log = await logOf(seed.org.id);
    expect(s.messages.map((m) => [m.id, m.event])).toEqual(log.map((e) => [e.id, e.type]));
    const p = parsed(approved!);
    expect(p).toMatchObject({
      type: 'approval.approved',
      data: {
        event_id: approved!.id,
        org_id: seed.org.id,
        approval_id: a.id,
        actor: { type: 'connection', id: approver.connectionId },
        from_status: 'pending',
        to_status: 'approved',
        details: { decision: 'approve', approved_content_sha256: decision.body.approved_content_sha256 },
        approval: { id: a.id, status: 'approved', metadata: { ticket: 'SUP-1' } },
      },
    });
    expect(parsed(created!).data.details).toEqual({ title: approvalBody().title, priority: 'high' });
  });

  it('carries the org’s emergency stop as it is turned on and off, once per change, with who did it', async () => {
    const seed = await seedOrg(server.db);
    const s = await open(seed.key);
    const admin = await signedIn(server, seed);
    await admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    // Already on: no change, no event.
    await admin.http().patch('/api/v1/org').send({ emergency_stop: true }).expect(200);
    await admin.http().patch('/api/v1/org').send({ emergency_stop: false }).expect(200);
    const [on, off] = (await s.waitFor(2)).map(parsed);
    expect(on).toMatchObject({
      type: 'emergency_stop.changed',
      data: { org_id: seed.org.id, approval_id: null, actor: { type: 'user', id: seed.admin.id }, details: { emergency_stop: true }, approval: null },
    });
    expect(off).toMatchObject({ type: 'emergency_stop.changed', data: { details: { emergency_stop: false } } });
    expect((await logOf(seed.org.id)).map((e) => e.type)).toEqual(['emergency_stop.changed', 'emergency_stop.changed']);
  });

  it('resumes with Last-Event-ID: exactly the events missed, in order, no duplicates, then live again', async () => {
    const seed = await seedOrg(server.db);
    const first = await open(seed.key);
    const a = await create(seed);
    await create(seed);
    const seen = await first.waitFor(2);
    first.close();

    // While disconnected: a cancel, two more requests and a comment.
    await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(200);
    const b = await create(seed);
    await create(seed);
    await server.http(seed.key).post(`/api/v1/approvals/${b.id}/comments`).send({ body: 'while you were away' }).expect(201);

    const again = await open(seed.key, seen[1]!.id);
    const log = await logOf(seed.org.id);
    const missed = log.filter((e) => BigInt(e.id) > BigInt(seen[1]!.id!));
    expect(missed.map((e) => e.type)).toEqual(['approval.cancelled', 'approval.created', 'approval.created', 'comment.created']);
    await again.waitFor(missed.length);
    expect(again.messages.map((m) => [m.id, m.event])).toEqual(missed.map((e) => [e.id, e.type]));

    // Then live: the next event arrives, and nothing else (no replayed duplicates).
    await create(seed);
    await again.waitFor(missed.length + 1);
    await sleep(200);
    const ids = again.messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual((await logOf(seed.org.id)).filter((e) => BigInt(e.id) > BigInt(seen[1]!.id!)).map((e) => e.id));
  });

  it('?last_event_id=0 replays the org’s whole log; the header wins over the query', async () => {
    const seed = await seedOrg(server.db);
    await create(seed);
    await create(seed);
    const log = await logOf(seed.org.id);

    const all = await open(seed.key, undefined, '?last_event_id=0');
    await all.waitFor(log.length);
    expect(all.messages.map((m) => m.id)).toEqual(log.map((e) => e.id));

    const fromHeader = await open(seed.key, log[0]!.id, '?last_event_id=0');
    await fromHeader.waitFor(log.length - 1);
    await sleep(200);
    expect(fromHeader.messages.map((m) => m.id)).toEqual(log.slice(1).map((e) => e.id));
  });

  it('without a cursor, starts at the present: earlier events are not replayed', async () => {
    const seed = await seedOrg(server.db);
    await create(seed);
    const s = await open(seed.key);
    await sleep(200);
    expect(s.messages).toHaveLength(0);
    await create(seed);
    const [m] = await s.waitFor(1);
    expect(m!.id).toBe((await logOf(seed.org.id))[1]!.id);
  });

  it('replays a backlog larger than one read batch in order', async () => {
    const seed = await seedOrg(server.db);
    const { rows } = await server.db.query<{ id: string }>(
      `INSERT INTO approvals (org_id, requested_by_type, title, description, priority)
       SELECT $1, 'system', 'bulk ' || g, 'd', 'low' FROM generate_series(1, 450) g RETURNING id`,
      [seed.org.id],
    );
    await server.db.query(
      `INSERT INTO events (org_id, approval_id, type, actor_type, to_status)
       SELECT $1, id, 'approval.created', 'system', 'pending' FROM unnest($2::uuid[]) AS id`,
      [seed.org.id, rows.map((r) => r.id)],
    );
    const s = await open(seed.key, undefined, '?last_event_id=0');
    await s.waitFor(450, 10_000);
    expect(s.messages.map((m) => m.id)).toEqual((await logOf(seed.org.id)).map((e) => e.id));
  });

  it('a disconnected client leaves no subscription behind', async () => {
    const seed = await seedOrg(server.db);
    const before = server.deps.bus.size;
    const s = await open(seed.key);
    for (let i = 0; i < 100 && server.deps.bus.size <= before; i++) await sleep(10);
    expect(server.deps.bus.size).toBe(before + 1);
    s.close();
    for (let i = 0; i < 100 && server.deps.bus.size > before; i++) await sleep(10);
    expect(server.deps.bus.size).toBe(before);
  });

  it('a stream still open when the server stops is ended by the stop (checked after all tests)', async () => {
    const seed = await seedOrg(server.db);
    lingering = await open(seed.key);
    expect(lingering.status).toBe(200);
  });
});
