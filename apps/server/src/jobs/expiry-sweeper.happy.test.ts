import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, TEST_DATABASE_URL, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { EXPIRY_BATCH_SIZE, expireDue } from '../core/approvals/index.ts';
import { transactionStepsDuring } from '../testing/statements.ts';
import { until as untilTrue } from '../testing/until.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(() => server.stop(), 60_000);

/**
 * A deadline far enough ahead that the create reaches the server before it even on a loaded machine
 * (a deadline already past is refused), and the wait for exactly that deadline to pass.
 */
const DUE_IN_MS = 1_500;
const soon = (ms = DUE_IN_MS) => new Date(Date.now() + ms).toISOString();
const until = (iso: string) => new Promise((r) => setTimeout(r, Math.max(0, Date.parse(iso) - Date.now() + 50)));

async function create(seed: SeededOrg, overrides: Record<string, unknown> = {}) {
  const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201);
  return res.body as { id: string; updated_at: string };
}


async function statuses(orgId: string) {
  const { rows } = await server.db.query<{ id: string; status: string }>('SELECT id, status FROM approvals WHERE org_id = $1', [orgId]);
  return Object.fromEntries(rows.map((r) => [r.id, r.status]));
}

/**
 * Sweeps until none of this org's requests is due. A sweep skips a request another transaction holds
 * a share lock on (a channel recording the message it sent for it), as it should: the next sweep takes
 * it. A request made over HTTP has that work running behind it, so its test sweeps until it is taken.
 */
async function sweepOrg(orgId: string) {
  await untilTrue(async () => {
    await expireDue(server.db);
    const { rows } = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM approvals WHERE org_id = $1 AND status = 'pending' AND expires_at <= now()`,
      [orgId],
    );
    return rows[0]!.n === 0;
  });
}

async function expiredEvents(orgId: string) {
  const { rows } = await server.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM events WHERE org_id = $1 AND type = 'approval.expired'`,
    [orgId],
  );
  return rows[0]!.n;
}

describe('expireDue', () => {
  it("sends a batch's events together, in one round trip, not one after another", async () => {
    const seed = await seedOrg(server.db);
    // Made in SQL, so no channel's work on them holds a lock the sweep would skip.
    const { rows: made } = await server.db.query<{ id: string }>(
      `INSERT INTO approvals (org_id, requested_by_type, title, description, priority, expires_at)
       SELECT $1, 'system', 'due ' || g, 'd', 'low', now() - interval '1 second' FROM generate_series(1, 4) g
       RETURNING id`,
      [seed.org.id],
    );
    const ids = made.map((r) => r.id);
    const { result: swept, steps } = await transactionStepsDuring(server.db, (sql) => (sql.includes('greenlight_append_event(') ? 'event' : null), () => expireDue(server.db));
    expect(swept).toBeGreaterThanOrEqual(4);
    // Every event was issued before the first was answered.
    const firstAnswer = steps.indexOf('answered event');
    expect(steps.filter((x) => x === 'issued event').length).toBeGreaterThanOrEqual(4);
    expect(steps.slice(firstAnswer).filter((x) => x === 'issued event')).toEqual([]);
    expect(await statuses(seed.org.id)).toEqual(Object.fromEntries(ids.map((id) => [id, 'expired'])));
    expect(await expiredEvents(seed.org.id)).toBe(4);
  });

  it('expires a due request with a system-actor event; it can no longer be cancelled', async () => {
    const seed = await seedOrg(server.db);
    const deadline = soon();
    const a = await create(seed, { expires_at: deadline });
    await until(deadline);

    // Past its deadline but not yet swept: refused as expired.
    const early = await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(409);
    expect(early.body.error.code).toBe('APPROVAL_EXPIRED');

    await sweepOrg(seed.org.id);
    const got = await server.http(seed.key).get(`/api/v1/approvals/${a.id}`).expect(200);
    expect(got.body).toMatchObject({ status: 'expired', decided_at: null, cancelled_at: null, expired_at: got.body.updated_at });
    expect(Date.parse(got.body.updated_at)).toBeGreaterThan(Date.parse(a.updated_at));

    const events = await server.http(seed.key).get(`/api/v1/approvals/${a.id}/events`).expect(200);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(['approval.created', 'approval.expired']);
    expect(events.body.data[1]).toMatchObject({
      actor: { type: 'system', id: null, name: 'Greenlight' },
      from_status: 'pending',
      to_status: 'expired',
      data: { expires_at: got.body.expires_at },
      created_at: got.body.updated_at,
    });

    const after = await server.http(seed.key).delete(`/api/v1/approvals/${a.id}`).expect(409);
    expect(after.body.error).toMatchObject({ code: 'INVALID_STATUS', message: 'approval request is already expired' });
  });

  it('leaves alone requests not yet due, without expiry, or no longer pending', async () => {
    const seed = await seedOrg(server.db);
    const deadline = soon();
    const due = await create(seed, { expires_at: deadline });
    const later = await create(seed, { expires_at: soon(3_600_000) });
    const never = await create(seed);
    const cancelled = await create(seed, { expires_at: deadline });
    await server.http(seed.key).delete(`/api/v1/approvals/${cancelled.id}`).expect(200);
    await until(deadline);

    await sweepOrg(seed.org.id);
    expect(await statuses(seed.org.id)).toEqual({ [due.id]: 'expired', [later.id]: 'pending', [never.id]: 'pending', [cancelled.id]: 'cancelled' });
    expect(await expiredEvents(seed.org.id)).toBe(1);

    // A second sweep finds nothing more to do.
    await expireDue(server.db);
    expect(await expiredEvents(seed.org.id)).toBe(1);
  });

  // Two connections at once: Postgres only (the embedded database has one).
  it.skipIf(!TEST_DATABASE_URL)('sweeps a request that a row being written refers to; leaves one a decision holds to the next sweep', async () => {
    const seed = await seedOrg(server.db);
    const { rows } = await server.db.query<{ id: string }>(
      `INSERT INTO approvals (org_id, requested_by_type, title, description, priority, expires_at)
       SELECT $1, 'system', 'held ' || g, 'd', 'low', now() - interval '1 second' FROM generate_series(1, 2) g
       RETURNING id`,
      [seed.org.id],
    );
    const [referred, decided] = rows.map((r) => r.id) as [string, string];
    await server.db.transaction(async (tx) => {
      // What inserting a delivery or a sent message takes on its request (the foreign key's check),
      // and what a decision in progress takes.
      await tx.query('SELECT 1 FROM approvals WHERE id = $1 FOR KEY SHARE', [referred]);
      await tx.query('SELECT 1 FROM approvals WHERE id = $1 FOR NO KEY UPDATE', [decided]);
      await expireDue(server.db);
      expect(await statuses(seed.org.id)).toEqual({ [referred]: 'expired', [decided]: 'pending' });
    });
    await expireDue(server.db);
    expect(await statuses(seed.org.id)).toEqual({ [referred]: 'expired', [decided]: 'expired' });
    expect(await expiredEvents(seed.org.id)).toBe(2);
  });

  it(`works through more than one batch of ${EXPIRY_BATCH_SIZE}`, async () => {
    const seed = await seedOrg(server.db);
    const n = EXPIRY_BATCH_SIZE * 2 + 7;
    // Bulk setup straight in SQL: a thousand HTTP creates would only slow the test down.
    await server.db.query(
      `INSERT INTO approvals (org_id, requested_by_type, title, description, priority, expires_at)
       SELECT $1, 'system', 'bulk ' || g, 'd', 'low', now() - interval '1 minute'
         FROM generate_series(1, $2) g`,
      [seed.org.id, n],
    );
    expect(await expireDue(server.db)).toBeGreaterThanOrEqual(n);
    const { rows } = await server.db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM approvals WHERE org_id = $1 GROUP BY status',
      [seed.org.id],
    );
    expect(rows).toEqual([{ status: 'expired', n }]);
    expect(await expiredEvents(seed.org.id)).toBe(n);
  });

  it('expires each request exactly once when several sweepers run at the same time', async () => {
    const seed = await seedOrg(server.db);
    const n = 300;
    await server.db.query(
      `INSERT INTO approvals (org_id, requested_by_type, title, description, priority, expires_at)
       SELECT $1, 'system', 'race ' || g, 'd', 'low', now() - interval '1 second'
         FROM generate_series(1, $2) g`,
      [seed.org.id, n],
    );
    const counts = await Promise.all([expireDue(server.db), expireDue(server.db), expireDue(server.db), expireDue(server.db)]);
    expect(counts.reduce((s, c) => s + c, 0)).toBeGreaterThanOrEqual(n);
    expect(Object.values(await statuses(seed.org.id)).every((s) => s === 'expired')).toBe(true);
    expect(await expiredEvents(seed.org.id)).toBe(n);
  });
});
