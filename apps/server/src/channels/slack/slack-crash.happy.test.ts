/**
 * Slack notifications inherit the outbox's crash safety: a real server process with 100 Slack posts
 * pending is killed with SIGKILL while it sends them; after a restart every request has been posted
 * and every `slack` row is delivered. A post cut off by the kill may be sent again; none is lost.
 * Runs on PGlite (a data directory, as `pnpm start` uses it) and on Postgres.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../../testing/harness.ts';
import { processStorage, type ProcessStorage } from '../../testing/process-storage.ts';
import { spawnServer, type SpawnedServer } from '../../testing/spawn-server.ts';
import { startSlackApi, type TestSlackApi } from '../../testing/slack.ts';
import type { Database } from '../../storage/database.ts';
import { createOrg } from '../../modules/orgs/create-org.ts';
import { create } from '../../core/approvals/index.ts';
import { installSecretKeys, parseKey, SecretKeys, secretKeys } from '../../security/sealed.ts';

const REQUESTS = 100;
let storage: ProcessStorage;
let slack: TestSlackApi;
const processes: SpawnedServer[] = [];

/** One org posting to #crash, and 100 requests: 100 `notify` rows pending, each to become one Slack post. */
async function seed(db: Database): Promise<void> {
  installSecretKeys(new SecretKeys(parseKey(TEST_SECRET_KEY)));
  const { org } = await createOrg(db, { slug: 'slack-crash', name: 'Slack crash', adminEmail: 'admin@slack-crash.test' });
  await db.query('INSERT INTO slack_settings (org_id, bot_token, signing_secret, default_channel, dm_approvers) VALUES ($1, $2, $3, $4, false)', [
    org.id,
    secretKeys().seal('xoxb-1111-2222-crashcrashcrash'),
    secretKeys().seal('crashsecret0123456789'),
    '#crash',
  ]);
  const caller = { org: { id: org.id }, principal: { type: 'connection' as const, id: randomUUID(), name: 'crash test' }, user: null };
  for (let i = 0; i < REQUESTS; i++) {
    await create(db, caller, {
      connection_id: null, title: `Request ${i + 1}`, description: '', priority: 'medium', action_type: null, source: null,
      metadata: {}, required_approvals: 1, is_sequential: false, callback_url: null, callback_headers: null, external_id: null,
      idempotency_key: null, request_fingerprint: null, tags: {}, changes: null, resource: null, expires_at: null,
      on_expiry: 'expire', redact: [], flow_id: null, flow_version: null, notify: false,
    });
  }
  // Queued because the org posts to Slack, although the caller sends no email.
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE channel = 'notify' AND status = 'pending'`);
  expect(rows[0]!.n).toBe(REQUESTS);
}

beforeAll(async () => {
  // Slow enough that many posts are in flight when the kill lands.
  slack = await startSlackApi({ delayMs: 40 });
  storage = await processStorage('slack-crash', seed);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await slack?.close();
  await storage?.drop();
}, 60_000);

const env = () => ({
  ...storage.env,
  GREENLIGHT_SECRET_KEY: TEST_SECRET_KEY,
  GREENLIGHT_SLACK_API_URL: slack.url,
  GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms',
  GREENLIGHT_DELIVERY_SWEEP_MS: '200',
  // A short timeout keeps the lease of the killed process's claims (timeout + 5 s) short.
  GREENLIGHT_DELIVERY_TIMEOUT_MS: '1000',
  GREENLIGHT_DELIVERY_CONCURRENCY: '8',
  // The requests ask everyone: posted at once, not after the grace that lets a requester name steps first.
  GREENLIGHT_NOTIFY_GRACE_MS: '0',
});

const posted = () => new Set(slack.of('chat.postMessage').map((c) => String(c.args.text))).size;

it('SIGKILL while posting, restart: every request is posted to Slack, and recorded', async () => {
  const first = await spawnServer(env());
  processes.push(first);
  await slack.until(() => slack.of('chat.postMessage').length >= 20, 60_000);
  first.child.kill('SIGKILL');
  expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(posted()).toBeLessThan(REQUESTS);

  const second = await spawnServer(env());
  processes.push(second);
  await slack.until(() => posted() === REQUESTS, 60_000);
  const outstanding = async (d: Database) =>
    (await d.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status IN ('pending', 'delivering')`)).rows[0]!.n;
  if (storage.live) {
    for (let i = 0; i < 200 && (await outstanding(storage.live)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  } else {
    await slack.until(() => Date.now() - Math.max(...slack.calls.map((c) => c.at)) > 7_000, 30_000);
  }
  await second.stop();

  expect(slack.of('chat.postMessage').every((c) => c.args.channel === '#crash' && c.token === 'xoxb-1111-2222-crashcrashcrash')).toBe(true);
  const { rows } = await storage.read((check) =>
    check.query<{ slack: number; delivered: number; messages: number }>(
      `SELECT count(*) FILTER (WHERE channel = 'slack')::int AS slack,
              count(*) FILTER (WHERE channel = 'slack' AND status = 'delivered')::int AS delivered,
              (SELECT count(DISTINCT approval_id)::int FROM sent_messages) AS messages
         FROM deliveries`,
    ),
  );
  expect(rows[0]).toEqual({ slack: REQUESTS, delivered: REQUESTS, messages: REQUESTS });
}, 180_000);
