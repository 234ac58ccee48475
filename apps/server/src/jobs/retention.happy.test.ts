import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from '../testing/harness.ts';
import { BATCH_TARGET_MS, nextBatchSize, purgeClosedBatch } from './retention.ts';
import { expireDue } from '../core/approvals/index.ts';

let server: TestServer;
let seed: SeededOrg;
let approver: string;
beforeAll(async () => {
  // No delivery worker: a callback stays pending until the test settles it.
  server = await startTestServer({ config: { GREENLIGHT_DELIVERY_WORKER: 'false', GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8' } });
  seed = await seedOrg(server.db);
  approver = (await seed.newKey()).key;
});
afterAll(() => server.stop());

const DAY = 86_400_000;
const purge = async (limit: number) => (await purgeClosedBatch(server.db, { before: new Date(Date.now() - 30 * DAY), limit, olderThanDays: 30 })).removed;

async function create(overrides: Record<string, unknown> = {}) {
  const res = await server.http(seed.key).post('/api/v1/approvals').send(approvalBody(overrides)).expect(201);
  return res.body.id as string;
}
const approve = (id: string) => server.http(approver).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
const count = async (table: string, id: string) =>
  (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE approval_id = $1`, [id])).rows[0]!.n;
const backdate = (ids: string[], days: number) =>
  server.db.query(
    `UPDATE approvals SET created_at = now() - make_interval(days => $2 + 1), decided_at = CASE WHEN decided_at IS NULL THEN NULL ELSE now() - make_interval(days => $2) END WHERE id = ANY ($1::uuid[])`,
    [ids, days],
  );

describe('retention', () => {
  it('removes closed requests older than the cutoff, oldest first and a batch at a time, with their comments, votes, events and deliveries; keeps the rest', async () => {
    const [a, b, c, recent, pending] = [await create(), await create(), await create({ callback_url: 'http://127.0.0.1:9/decided' }), await create(), await create()];
    await server.http(seed.key).post(`/api/v1/approvals/${a}/comments`).send({ body: 'shipping it' }).expect(201);
    for (const id of [a, b, c, recent]) await approve(id);
    await backdate([a], 42);
    await backdate([b, c], 40);
    await backdate([pending], 60);
    expect(await count('comments', a)).toBe(1);
    expect(await count('deliveries', c)).toBeGreaterThan(0);

    // One at a time: the oldest goes first.
    expect(await purge(1)).toBe(1);
    await server.http(seed.key).get(`/api/v1/approvals/${a}`).expect(404);
    await server.http(seed.key).get(`/api/v1/approvals/${b}`).expect(200);
    for (const table of ['comments', 'approval_votes', 'events', 'deliveries']) expect(await count(table, a)).toBe(0);

    // c still has a callback to deliver: it waits for a later batch.
    expect(await purge(10)).toBe(1);
    await server.http(seed.key).get(`/api/v1/approvals/${b}`).expect(404);
    for (const id of [c, recent, pending]) await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);
    expect(await purge(10)).toBe(0);

    // Settled (it failed after an attempt): now it goes, its attempts with it.
    const [delivery] = (await server.db.query<{ id: string }>("UPDATE deliveries SET status = 'failed', attempts = 1 WHERE approval_id = $1 RETURNING id", [c])).rows;
    await server.db.query("INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, error, worker) VALUES ($1, 1, now(), 5, 'refused', 'test')", [delivery!.id]);
    expect(await purge(10)).toBe(1);
    await server.http(seed.key).get(`/api/v1/approvals/${c}`).expect(404);
    expect(await count('deliveries', c)).toBe(0);
    expect((await server.db.query('SELECT 1 FROM delivery_attempts WHERE delivery_id = $1', [delivery!.id])).rowCount).toBe(0);
    for (const id of [recent, pending]) await server.http(seed.key).get(`/api/v1/approvals/${id}`).expect(200);

    // Each batch left an entry in the org audit log: what it removed, when those requests lived, and
    // the retention period that removed them. The entries outlive the requests.
    const audit = await server.db.query<{ actor_type: string; actor_name: string; details: Record<string, unknown> }>(
      "SELECT actor_type, actor_name, details FROM audit_log WHERE org_id = $1 AND type = 'retention.purged' ORDER BY id",
      [seed.org.id],
    );
    expect(audit.rows.map((r) => [r.actor_type, r.actor_name, r.details.requests, r.details.comments, r.details.older_than_days])).toEqual([
      ['system', 'retention', 1, 1, 30],
      ['system', 'retention', 1, 0, 30],
      ['system', 'retention', 1, 0, 30],
    ]);
    expect(audit.rows.every((r) => Number(r.details.events) >= 2)).toBe(true);
    expect(Number(audit.rows[2]!.details.deliveries)).toBeGreaterThan(0);
    // Timestamps as the API writes them everywhere: ISO 8601 in UTC, to the millisecond.
    const [first] = audit.rows;
    expect(first!.details.oldest_created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(String(first!.details.oldest_created_at))).toBeLessThan(Date.now() - 42 * DAY);
    expect(Date.parse(String(first!.details.newest_closed_at))).toBeLessThan(Date.now() - 41 * DAY);
    expect(Date.parse(String(first!.details.newest_closed_at))).toBeGreaterThan(Date.now() - 43 * DAY);

    // The per-status totals the lists read still add up.
    const listed = await server.http(seed.key).get('/api/v1/approvals?status=approved').expect(200);
    expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([recent]);
    expect(listed.body.pagination.total).toBe(1);
  });

  it('an expired request counts from when it expired, as its decision time reads everywhere', async () => {
    const [old, fresh] = [await create({ expires_at: new Date(Date.now() + 60_000).toISOString() }), await create({ expires_at: new Date(Date.now() + 60_000).toISOString() })];
    await server.db.query(`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = ANY ($1::uuid[])`, [[old, fresh]]);
    await expireDue(server.db);
    // Both became due 40 days ago; only the first was marked expired then.
    await server.db.query(`UPDATE approvals SET created_at = now() - interval '41 days', expires_at = now() - interval '40 days' WHERE id = ANY ($1::uuid[])`, [[old, fresh]]);
    await server.db.query(`UPDATE approvals SET expired_at = now() - interval '40 days' WHERE id = $1`, [old]);
    while ((await purge(10)) > 0);
    await server.http(seed.key).get(`/api/v1/approvals/${old}`).expect(404);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${fresh}`).expect(200)).body.status).toBe('expired');
  });

  it('a batch that spans orgs leaves each org an entry of its own, naming only its requests', async () => {
    const other = await seedOrg(server.db);
    const otherApprover = (await other.newKey()).key;
    const mine = await create();
    const theirs = (await server.http(other.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id as string;
    await approve(mine);
    await server.http(otherApprover).patch(`/api/v1/approvals/${theirs}`).send({ decision: 'approve' }).expect(200);
    await backdate([mine, theirs], 50);
    const entries = async (orgId: string) =>
      (await server.db.query<{ n: number }>("SELECT (details->>'requests')::int AS n FROM audit_log WHERE org_id = $1 AND type = 'retention.purged'", [orgId])).rows.map((r) => r.n);
    const before = await entries(seed.org.id);
    expect(await purge(2)).toBe(2);
    expect(await entries(other.org.id)).toEqual([1]);
    expect(await entries(seed.org.id)).toEqual([...before, 1]);
    await server.http(other.key).get(`/api/v1/approvals/${theirs}`).expect(404);
    await server.http(seed.key).get(`/api/v1/approvals/${mine}`).expect(404);
  });

  it('the event log still refuses a delete from anyone else', async () => {
    const id = await create();
    await expect(server.db.query('DELETE FROM events WHERE approval_id = $1', [id])).rejects.toThrow(/append-only/);
    await expect(server.db.query("SELECT set_config('greenlight.purging', 'off', false)")).resolves.toBeDefined();
    await expect(server.db.query('DELETE FROM events WHERE approval_id = $1', [id])).rejects.toThrow(/append-only/);
  });
});

describe('retention batch size', () => {
  it.each([
    ['a batch on target keeps its size', 25, BATCH_TARGET_MS, 25],
    ['a batch four times too slow is quartered', 24, 4 * BATCH_TARGET_MS, 6],
    ['a very slow batch still removes one request', 25, 100 * BATCH_TARGET_MS, 1],
    ['a fast batch grows back, at most twofold', 5, BATCH_TARGET_MS / 10, 10],
    ['never above the configured size', 20, BATCH_TARGET_MS / 10, 25],
    ['a batch timed at zero goes back to the configured size, twofold at most', 20, 0, 25],
    ['a batch of one whose fixed cost nears the target still grows', 1, 0.9 * BATCH_TARGET_MS, 2],
    ['a batch just under the target grows by one', 10, 0.95 * BATCH_TARGET_MS, 11],
    ['a batch just over it shrinks by one', 10, 1.05 * BATCH_TARGET_MS, 9],
  ])('%s', (_what, size, heldMs, next) => {
    expect(nextBatchSize(size, heldMs, 25)).toBe(next);
  });
});

describe('the retention job of a running server', () => {
  it('sweeps in batches that start at one request and grow up to GREENLIGHT_RETENTION_BATCH, each recorded', async () => {
    const s = await startTestServer({ config: { GREENLIGHT_RETENTION_DAYS: '30', GREENLIGHT_RETENTION_BATCH: '4', GREENLIGHT_RETENTION_SWEEP_MS: '100' } });
    try {
      const org = await seedOrg(s.db);
      const decider = (await org.newKey()).key;
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await s.http(org.key).post('/api/v1/approvals').send(approvalBody()).expect(201)).body.id);
      for (const id of ids) await s.http(decider).patch(`/api/v1/approvals/${id}`).send({ decision: 'approve' }).expect(200);
      await s.db.query(
        `UPDATE approvals SET created_at = now() - interval '41 days', decided_at = now() - interval '40 days' WHERE id = ANY ($1::uuid[])`,
        [ids],
      );
      const batches = async () =>
        (await s.db.query<{ n: number }>("SELECT (details->>'requests')::int AS n FROM audit_log WHERE org_id = $1 AND type = 'retention.purged' ORDER BY id", [org.org.id])).rows.map((r) => r.n);
      const deadline = Date.now() + 10_000;
      while ((await batches()).reduce((a, b) => a + b, 0) < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      // 1, 2, 4, 4, 1 when every batch stays well under BATCH_TARGET_MS; a slower one makes the next smaller.
      const sizes = await batches();
      expect(sizes[0]).toBe(1);
      expect(sizes[1]).toBeLessThanOrEqual(2);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(12);
      for (const id of ids) await s.http(org.key).get(`/api/v1/approvals/${id}`).expect(404);
    } finally {
      await s.stop();
    }
  });
});
