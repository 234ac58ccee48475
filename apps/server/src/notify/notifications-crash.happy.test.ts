/**
 * Notifications survive a crash: a real server process with 500 notifications pending is killed with
 * SIGKILL while it sends them; after a restart every one of the 500 messages reaches the SMTP server.
 * Duplicates are allowed (a message in flight at the kill is sent again, with the same Message-ID);
 * a lost one is not. Runs on PGlite (a data directory, as `pnpm start` uses it) and on Postgres.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../testing/harness.ts';
import { processStorage, type ProcessStorage } from '../testing/process-storage.ts';
import { spawnServer, type SpawnedServer } from '../testing/spawn-server.ts';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtp.ts';
import type { Database } from '../storage/database.ts';
import { createOrg } from '../modules/orgs/create-org.ts';
import { create } from '../core/approvals/index.ts';

const REQUESTS = 500;
let storage: ProcessStorage;
let smtp: TestSmtpServer;
const processes: SpawnedServer[] = [];

/** One org whose admin is asked, and 500 requests made with notifications on: 500 `notify` rows pending. */
async function seed(db: Database): Promise<void> {
  const { org } = await createOrg(db, { slug: 'mail-crash', name: 'Mail crash', adminEmail: 'admin@mail-crash.test' });
  const caller = { org: { id: org.id }, principal: { type: 'connection' as const, id: randomUUID(), name: 'crash test' }, user: null };
  await Promise.all(
    Array.from({ length: REQUESTS }, (_, i) =>
      create(db, caller, {
        connection_id: null, title: `Request ${i + 1}`, description: '', priority: 'medium', action_type: null, source: null,
        metadata: {}, required_approvals: 1, is_sequential: false, callback_url: null, callback_headers: null, external_id: null,
        idempotency_key: null, request_fingerprint: null, tags: {}, changes: null, resource: null, expires_at: null,
        on_expiry: 'expire', redact: [], flow_id: null, flow_version: null, notify: true,
      }),
    ),
  );
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE channel = 'notify' AND status = 'pending'`);
  expect(rows[0]!.n).toBe(REQUESTS);
}

beforeAll(async () => {
  // Slow enough that many messages are in flight when the kill lands.
  smtp = await startSmtpServer({ delayMs: 15 });
  storage = await processStorage('mail-crash', seed);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await smtp.close();
  await storage?.drop();
}, 60_000);

const env = () => ({
  ...storage.env,
  GREENLIGHT_SECRET_KEY: TEST_SECRET_KEY,
  GREENLIGHT_SMTP_URL: smtp.url,
  GREENLIGHT_MAIL_FROM: 'greenlight@mail-crash.test',
  GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms',
  GREENLIGHT_DELIVERY_SWEEP_MS: '200',
  // A short timeout keeps the lease of the killed process's claims (timeout + 5 s) short.
  GREENLIGHT_DELIVERY_TIMEOUT_MS: '1000',
  GREENLIGHT_DELIVERY_CONCURRENCY: '16',
  // The requests ask everyone: told at once, not after the grace that lets a requester name steps first.
  GREENLIGHT_NOTIFY_GRACE_MS: '0',
});

const distinct = () => new Set(smtp.received.map((m) => m.messageId)).size;

it('SIGKILL while sending, restart: every one of the 500 notifications reaches the SMTP server', async () => {
  const first = await spawnServer(env());
  processes.push(first);
  await smtp.until(() => smtp.received.length >= 100, 60_000);
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(distinct()).toBeLessThan(REQUESTS);

  const second = await spawnServer(env());
  processes.push(second);
  await smtp.until(() => distinct() === REQUESTS, 60_000);
  // Messages cut off by the kill are sent again once their claim's lease (1 s + 5 s) ends: wait until
  // the outbox has nothing left in flight, so what is checked below is settled.
  const db = storage.live;
  const outstanding = async (d: Database) =>
    (await d.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status IN ('pending', 'delivering')`)).rows[0]!.n;
  if (db) {
    for (let i = 0; i < 200 && (await outstanding(db)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  } else {
    await smtp.until(() => Date.now() - Math.max(...smtp.received.map((m) => m.at)) > 7_000, 30_000);
  }
  await second.stop();

  // One message per request, each to the admin, titled after its request: all 500, none lost.
  expect(distinct()).toBe(REQUESTS);
  expect(smtp.received.every((m) => m.to.length === 1 && m.to[0] === 'admin@mail-crash.test')).toBe(true);
  const titles = new Set(smtp.received.map((m) => m.subject.replace(/^\[medium\] Approval needed: /, '')));
  expect(titles.size).toBe(REQUESTS);

  const { rows } = await storage.read((check) =>
    check.query<{ emails: number; delivered: number; notify_delivered: number; attempts_twice: number }>(
      `SELECT count(*) FILTER (WHERE channel = 'email')::int AS emails,
              count(*) FILTER (WHERE channel = 'email' AND status = 'delivered')::int AS delivered,
              count(*) FILTER (WHERE channel = 'notify' AND status = 'delivered')::int AS notify_delivered,
              (SELECT count(*)::int FROM (SELECT delivery_id, attempt FROM delivery_attempts GROUP BY 1, 2 HAVING count(*) > 1) x) AS attempts_twice
         FROM deliveries`,
    ),
  );
  expect(rows[0]).toEqual({ emails: REQUESTS, delivered: REQUESTS, notify_delivered: REQUESTS, attempts_twice: 0 });
}, 180_000);
