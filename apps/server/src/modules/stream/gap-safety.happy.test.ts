/**
 * On Postgres an id taken before commit could commit after a higher one and be skipped by a reader
 * that had already passed it. Migration 004 makes writers of one org take their ids in commit order;
 * these tests hold transactions open by hand and check that the stream neither skips nor reorders.
 * PGlite runs one transaction at a time, so the situation cannot arise there: Postgres only.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedOrg, startTestServer, TEST_DATABASE_URL, type SeededOrg, type TestServer } from '../../testing/harness.ts';
import { openSse, type SseStream } from './sse-client.ts';

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

  async function stream(seed: SeededOrg) {
    const { rows } = await server.db.query<{ id: string }>('SELECT coalesce(max(id), 0)::text AS id FROM events WHERE org_id = $1', [seed.org.id]);
    const s = await openSse(`${server.url}/api/v1/events`, { key: seed.key, lastEventId: rows[0]!.id });
    streams.push(s);
    return s;
  }

  it('a later transaction of the same org takes its id only after the earlier one commits: both arrive, in id order', async () => {
    const [acme, other] = [await seedOrg(server.db), await seedOrg(server.db, 'Other')];
    const [first, second, elsewhere] = [await connect(), await connect(), await connect()];
    const s = await stream(acme);

    await first.query('BEGIN');
    const low = await insertEvent(first, acme);
    await second.query('BEGIN');
    let secondId: string | undefined;
    const secondInsert = insertEvent(second, acme).then((id) => (secondId = id));
    // Another org is not held up, and its ids are not acme's concern.
    await elsewhere.query('BEGIN');
    const otherId = await insertEvent(elsewhere, other);
    await elsewhere.query('COMMIT');
    expect(BigInt(otherId)).toBeGreaterThan(BigInt(low));
    await sleep(300);
    expect(secondId).toBeUndefined();
    expect(s.messages).toHaveLength(0);

    await first.query('COMMIT');
    await secondInsert;
    expect(BigInt(secondId!)).toBeGreaterThan(BigInt(otherId));
    await s.waitFor(1, 3_000);
    await second.query('COMMIT');
    const got = await s.waitFor(2, 3_000);
    expect(got.map((m) => m.id)).toEqual([low, secondId]);
    await sleep(200);
    expect(s.messages).toHaveLength(2);
  });

  it('an older transaction (lower transaction id) writing after a newer one still gets the higher id', async () => {
    const acme = await seedOrg(server.db);
    const [older, newer] = [await connect(), await connect()];
    const s = await stream(acme);

    await older.query('BEGIN');
    await older.query('SELECT pg_current_xact_id()');
    await newer.query('BEGIN');
    const low = await insertEvent(newer, acme);
    let highId: string | undefined;
    const high = insertEvent(older, acme).then((id) => (highId = id));
    await sleep(200);
    expect(highId).toBeUndefined();
    await newer.query('COMMIT');
    await high;
    await older.query('COMMIT');
    const got = await s.waitFor(2, 3_000);
    expect(got.map((m) => m.id)).toEqual([low, highId]);
    expect(BigInt(highId!)).toBeGreaterThan(BigInt(low));
  });

  it('a rolled-back transaction holds the next writer only until it ends, and its id never appears', async () => {
    const acme = await seedOrg(server.db);
    const [doomed, other] = [await connect(), await connect()];
    const s = await stream(acme);

    await doomed.query('BEGIN');
    const lost = await insertEvent(doomed, acme);
    const kept = insertEvent(other, acme);
    await sleep(200);
    expect(s.messages).toHaveLength(0);
    await doomed.query('ROLLBACK');
    const keptId = await kept;
    const got = await s.waitFor(1, 3_000);
    expect(got.map((m) => m.id)).toEqual([keptId]);
    expect(BigInt(lost)).toBeLessThan(BigInt(keptId));
    const { rows } = await server.db.query('SELECT 1 FROM events WHERE id = $1', [lost]);
    expect(rows).toHaveLength(0);
  });
});
