/**
 * At-least-once across a crash: a real server process with 1,000 deliveries pending is
 * killed with SIGKILL mid-delivery; after a restart every one of the 1,000 events reaches the receiver.
 * Duplicates are allowed (an attempt in flight at the kill is made again); a lost event is not.
 * Runs on PGlite (a data directory, as `pnpm start` uses it) and on Postgres (a fresh database).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { processStorage, type ProcessStorage } from '../../testing/process-storage.ts';
import { spawnServer, type SpawnedServer } from '../../testing/spawn-server.ts';
import type { Database } from '../../storage/database.ts';
import { createOrg } from '../../modules/orgs/create-org.ts';
import { generateSecret } from '../../channels/webhook/signer.ts';
import { startReceiver, type TestReceiver } from '../../testing/receiver.ts';

const EVENTS = 1000;
let storage: ProcessStorage;
let receiver: TestReceiver;
const processes: SpawnedServer[] = [];

/**
 * One org subscribed to comment.created, and 1,000 such events in one statement: the trigger queues 1,000
 * deliveries. (Not approval.created: the create statement fans those out itself.)
 */
async function seed(db: Database, url: string): Promise<void> {
  const { org } = await createOrg(db, { slug: 'crash-test', name: 'Crash test', adminEmail: 'crash@example.test' });
  await db.query(
    `INSERT INTO webhook_subscriptions (org_id, url, events, secret, created_by_type) VALUES ($1, $2, '{comment.created}', $3, 'user')`,
    [org.id, url, generateSecret()],
  );
  await db.query(
    `INSERT INTO events (org_id, approval_id, type, actor_type, actor_name, data)
     SELECT $1, NULL, 'comment.created', 'system', 'Greenlight', jsonb_build_object('n', n) FROM generate_series(1, $2::int) AS n`,
    [org.id, EVENTS],
  );
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending'`);
  expect(rows[0]!.n).toBe(EVENTS);
}

beforeAll(async () => {
  // Slow enough that many attempts are in flight when the kill lands.
  receiver = await startReceiver(() => ({ status: 200, delayMs: 15 }));
  storage = await processStorage('crash', (db) => seed(db, `${receiver.url}/hook`));
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await receiver.close();
  await storage?.drop();
}, 60_000);

const env = () => ({
  ...storage.env,
  GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
  GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms',
  GREENLIGHT_DELIVERY_SWEEP_MS: '200',
  // A short timeout keeps the lease of the killed process's claims (timeout + 5 s) short.
  GREENLIGHT_DELIVERY_TIMEOUT_MS: '1000',
  GREENLIGHT_DELIVERY_CONCURRENCY: '16',
});

it('SIGKILL mid-delivery, restart: every one of the 1,000 events reaches the receiver', async () => {
  const first = await spawnServer(env());
  processes.push(first);
  await receiver.until(() => receiver.ids().size >= 150, 30_000);
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
  const atKill = receiver.ids().size;
  expect(atKill).toBeLessThan(EVENTS);

  const second = await spawnServer(env());
  processes.push(second);
  await receiver.until(() => receiver.ids().size === EVENTS, 40_000);
  // Attempts cut off by the kill are made again once their lease (timeout 1 s + 5 s) runs out: wait until
  // every event got an answered request and nothing more comes in for longer than a lease, so the outbox
  // checked below is settled.
  await receiver.until(() => new Set(receiver.received.filter((r) => r.answered).map((r) => r.id)).size === EVENTS, 30_000);
  await receiver.until(() => Date.now() - Math.max(...receiver.received.map((r) => r.at)) > 7_000, 30_000);
  await second.stop();

  expect(receiver.ids().size).toBe(EVENTS);
  // Every request carried a valid delivery id and a payload numbered 1..1000: all of them arrived.
  const numbers = new Set(receiver.received.map((r) => (JSON.parse(r.body) as { data: { details: { n: number } } }).data.details.n));
  expect(numbers.size).toBe(EVENTS);
  expect(Math.min(...numbers)).toBe(1);
  expect(Math.max(...numbers)).toBe(EVENTS);

  // The outbox agrees: all delivered, and the claims the killed process held came back under a new attempt number.
  const { rows } = await storage.read((db) =>
    db.query<{ delivered: number; retried: number; attempts_twice: number }>(
      `SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
              count(*) FILTER (WHERE attempts >= 2)::int AS retried,
              (SELECT count(*)::int FROM (SELECT delivery_id, attempt FROM delivery_attempts GROUP BY 1, 2 HAVING count(*) > 1) x) AS attempts_twice
         FROM deliveries`,
    ),
  );
  expect(rows[0]).toMatchObject({ delivered: EVENTS, attempts_twice: 0 });
  expect(rows[0]!.retried).toBeGreaterThan(0);
}, 90_000);
