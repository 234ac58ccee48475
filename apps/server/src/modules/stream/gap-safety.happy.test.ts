/**
 * On Postgres an id taken before commit can commit after a higher one and be skipped by a reader that
 * had already passed it. Writers do not wait for each other (migration 005); the stream reads below
 * the oldest running transaction instead (read-events.ts). These tests hold transactions open by hand
 * and check that the stream neither skips nor repeats, and that writers are not held up.
 * PGlite runs one transaction at a time, so the situation cannot arise there: Postgres only.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, TEST_DATABASE_URL, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { openSse, type SseStream } from './sse-client.ts';
import { EVENTS_CHANNEL } from '../../events/event-bus.ts';
import { STREAM_RECHECK_MS } from './stream-events.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!TEST_DATABASE_URL)('the event stream on Postgres, with concurrent transactions', () => {
  let server: TestServer;
  const clients: pg.Client[] = [];
  const streams: SseStream[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  }, 60_000);
  afterAll(async () => {
    streams.forEach((s) => s.close());
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await server.stop();
  }, 60_000);

  async function connect() {
    const c = new pg.Client({ connectionString: server.databaseUrl });
    await c.connect();
    clients.push(c);
    return c;
  }

  const insertEvent = async (c: pg.Client, seed: SeededOrg) =>
    (
      await c.query<{ id: string }>(
        `INSERT INTO events (org_id, type, actor_type, data) VALUES ($1, 'comment.created', 'system', '{}') RETURNING id::text AS id`,
        [seed.org.id],
      )
    ).rows[0]!.id;

  /** Ends a transaction and then announces it, as the server does after its commits (Queryable.notify). */
  async function end(c: pg.Client, seed: SeededOrg, how: 'COMMIT' | 'ROLLBACK' = 'COMMIT') {
    await c.query(how);
    await c.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, `${seed.org.id}:1::comment.created`]);
  }

  async function stream(seed: SeededOrg) {
    const { rows } = await server.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM events WHERE org_id = $1', [seed.org.id]);
    const s = await openSse(`${server.url}/api/v1/events`, { key: seed.key, lastEventId: rows[0]!.id });
    streams.push(s);
    return s;
  }

  it('a later transaction of the same org commits first without waiting; its event is held until the earlier one ends', async () => {
    const [acme, other] = [await seedOrg(server.db), await seedOrg(server.db, 'Other')];
    const [first, second] = [await connect(), await connect()];
    const s = await stream(acme);
    const o = await stream(other);

    await first.query('BEGIN');
    const low = await insertEvent(first, acme);
    await second.query('BEGIN');
    // No lock: the second writer takes its id and commits while the first is still open.
    const high = await insertEvent(second, acme);
    await end(second, acme);
    expect(BigInt(high)).toBeGreaterThan(BigInt(low));
    await sleep(400);
    // A reader that sent `high` now would pass `low` for ever: nothing is sent yet.
    expect(s.messages).toHaveLength(0);

    await end(first, acme);
    const got = await s.waitFor(2, 3_000);
    expect(got.map((m) => m.id)).toEqual([low, high]);
    await sleep(200);
    expect(s.messages).toHaveLength(2);
    expect(o.messages).toHaveLength(0);
  });

  it('an event held back by an older transaction that writes nothing for its org is sent soon after that one ends, not at the next recheck', async () => {
    const [acme, other] = [await seedOrg(server.db), await seedOrg(server.db, 'Other')];
    const [older, newer] = [await connect(), await connect()];
    const s = await stream(acme);

    await older.query('BEGIN');
    // Another org's write: its end is announced to that org, never to this stream.
    await insertEvent(older, other);
    await newer.query('BEGIN');
    const held = await insertEvent(newer, acme);
    await end(newer, acme);
    await sleep(300);
    expect(s.messages).toHaveLength(0);

    await end(older, other);
    // Without reading again while events are held back, only the recheck would send it.
    const got = await s.waitFor(1, STREAM_RECHECK_MS / 2);
    expect(got.map((m) => m.id)).toEqual([held]);
  });

  it('an older transaction writing after a newer one comes first, and a resume after either id misses nothing', async () => {
    const acme = await seedOrg(server.db);
    const [older, newer] = [await connect(), await connect()];
    const s = await stream(acme);
    const before = (await server.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM events WHERE org_id = $1', [acme.org.id])).rows[0]!.id;

    await older.query('BEGIN');
    await older.query('SELECT pg_current_xact_id()');
    await newer.query('BEGIN');
    const low = await insertEvent(newer, acme);
    const high = await insertEvent(older, acme);
    await end(newer, acme);
    await sleep(300);
    expect(s.messages).toHaveLength(0);
    await end(older, acme);
    const got = await s.waitFor(2, 3_000);
    // The older transaction's event first, though its id is higher.
    expect(got.map((m) => m.id)).toEqual([high, low]);

    // Resuming after each position replays exactly what followed it in the stream.
    const fromStart = await openSse(`${server.url}/api/v1/events`, { key: acme.key, lastEventId: before });
    const afterHigh = await openSse(`${server.url}/api/v1/events`, { key: acme.key, lastEventId: high });
    const afterLow = await openSse(`${server.url}/api/v1/events`, { key: acme.key, lastEventId: low });
    streams.push(fromStart, afterHigh, afterLow);
    expect((await fromStart.waitFor(2, 3_000)).map((m) => m.id)).toEqual([high, low]);
    expect((await afterHigh.waitFor(1, 3_000)).map((m) => m.id)).toEqual([low]);
    await sleep(300);
    expect(afterHigh.messages).toHaveLength(1);
    expect(afterLow.messages).toHaveLength(0);
  });

  it('a rolled-back transaction holds the stream only until it ends, and its id never appears', async () => {
    const acme = await seedOrg(server.db);
    const [doomed, other] = [await connect(), await connect()];
    const s = await stream(acme);

    await doomed.query('BEGIN');
    const lost = await insertEvent(doomed, acme);
    const kept = await insertEvent(other, acme);
    await sleep(200);
    expect(s.messages).toHaveLength(0);
    await end(doomed, acme, 'ROLLBACK');
    const got = await s.waitFor(1, 3_000);
    expect(got.map((m) => m.id)).toEqual([kept]);
    expect(BigInt(lost)).toBeLessThan(BigInt(kept));
    const { rows } = await server.db.query('SELECT 1 FROM events WHERE id = $1', [lost]);
    expect(rows).toHaveLength(0);
  });

  it('many writers of one org committing in random order: every event arrives exactly once', async () => {
    const acme = await seedOrg(server.db);
    const writers = await Promise.all(Array.from({ length: 6 }, () => connect()));
    const s = await stream(acme);
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const w of writers) await w.query('BEGIN');
      for (const w of [...writers].reverse()) ids.push(await insertEvent(w, acme));
      for (const w of writers) ids.push(await insertEvent(w, acme));
      const order = [...writers].sort(() => Math.random() - 0.5);
      await Promise.all(order.map((w, i) => sleep(i * 7).then(() => end(w, acme, Math.random() < 0.2 ? 'ROLLBACK' : 'COMMIT'))));
    }
    const { rows } = await server.db.query<{ id: string }>('SELECT id::text AS id FROM events WHERE id = ANY ($1::bigint[])', [ids]);
    const committed = rows.map((r) => r.id);
    const got = await s.waitFor(committed.length, 5_000);
    await sleep(300);
    expect(s.messages).toHaveLength(committed.length);
    expect(new Set(got.map((m) => m.id))).toEqual(new Set(committed));
  });

  it('a transaction left open in another database of the cluster does not hold the stream back', async () => {
    const acme = await seedOrg(server.db);
    const elsewhere = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await elsewhere.connect();
    clients.push(elsewhere);
    await elsewhere.query('BEGIN');
    await elsewhere.query('SELECT pg_current_xact_id()');
    const s = await stream(acme);
    const writer = await connect();
    await writer.query('BEGIN');
    const id = await insertEvent(writer, acme);
    await end(writer, acme);
    const got = await s.waitFor(1, 3_000);
    expect(got.map((m) => m.id)).toEqual([id]);
    await elsewhere.query('ROLLBACK');
  });
});
