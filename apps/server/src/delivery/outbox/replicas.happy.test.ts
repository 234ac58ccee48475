/**
 * Two server processes on one Postgres deliver 500 events, and no attempt is made twice: each
 * (webhook-id, attempt) reaches the receiver once, each delivery is claimed once, both processes work.
 * Postgres only (PGlite is one process by design): runs when GREENLIGHT_TEST_DATABASE_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../../testing/harness.ts';
import { spawnServer, type SpawnedServer } from '../../testing/spawn-server.ts';
import { createOrg } from '../../modules/orgs/create-org.ts';
import { generateSecret } from '../../channels/webhook/signer.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';

const EVENTS = 500;

describe.skipIf(!TEST_DATABASE_URL)('two processes on one Postgres', () => {
  let postgres: TestDatabase;
  let receiver: TestReceiver;
  let dataDir: string;
  const processes: SpawnedServer[] = [];

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, delayMs: 5 }));
    postgres = await openTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'greenlight-replicas-'));
    const env = {
      DATABASE_URL: postgres.url!,
      GREENLIGHT_DATA_DIR: dataDir,
      GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
      GREENLIGHT_DELIVERY_SWEEP_MS: '200',
      GREENLIGHT_DELIVERY_CONCURRENCY: '8',
    };
    processes.push(...(await Promise.all([spawnServer(env), spawnServer(env)])));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await receiver.close();
    await postgres?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('deliver 500 events with no attempt made twice', async () => {
    const db = postgres.db;
    const { org } = await createOrg(db, { slug: 'replicas', name: 'Replicas', adminEmail: 'replicas@example.test' });
    await db.query(
      `INSERT INTO webhook_subscriptions (org_id, url, events, secret, created_by_type) VALUES ($1, $2, '{comment.created}', $3, 'user')`,
      [org.id, `${receiver.url}/hook`, generateSecret()],
    );
    // One statement: both processes are woken by the same NOTIFYs and race for the same rows.
    await db.query(
      `INSERT INTO events (org_id, type, actor_type, actor_name, data)
       SELECT $1, 'comment.created', 'system', 'Greenlight', jsonb_build_object('n', n) FROM generate_series(1, $2::int) AS n`,
      [org.id, EVENTS],
    );
    await receiver.until(() => receiver.ids().size === EVENTS, 40_000);
    for (let i = 0; i < 40; i++) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status <> 'delivered'`);
      if (rows[0]!.n === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const pairs = receiver.received.map((r) => `${r.id}#${r.attempt}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(receiver.received).toHaveLength(EVENTS);

    const { rows } = await db.query<{ worker: string; n: number }>(
      'SELECT worker, count(*)::int AS n FROM delivery_attempts GROUP BY worker ORDER BY worker',
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.n > 0)).toBe(true);
    expect(rows.reduce((a, r) => a + r.n, 0)).toBe(EVENTS);
    const pids = rows.map((r) => Number(r.worker.split(':').pop())).sort();
    expect(pids).toEqual(processes.map((p) => p.child.pid!).sort());
    const { rows: state } = await db.query<{ delivered: number; max_attempts: number }>(
      `SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered, max(attempts)::int AS max_attempts FROM deliveries`,
    );
    expect(state[0]).toEqual({ delivered: EVENTS, max_attempts: 1 });
  }, 60_000);
});
