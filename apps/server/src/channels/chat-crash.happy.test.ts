/**
 * The chat channels inherit the outbox's crash safety: a real server process with 200 messages pending
 * for each chat of one org (Slack posts to the org's channel; Telegram, Discord, Teams and Web Push
 * messages to a linked person) is killed with SIGKILL while it sends them; after a restart every
 * request has reached every chat and every row of each channel is delivered, with its message
 * recorded (to be edited with the outcome). A message cut off by
 * the kill may be sent again; none is lost. Runs on PGlite (a data directory, as `pnpm start` uses it)
 * and on Postgres.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../testing/harness.ts';
import { processStorage, type ProcessStorage } from '../testing/process-storage.ts';
import { spawnServer, type SpawnedServer } from '../testing/spawn-server.ts';
import { startSlackApi } from '../testing/slack.ts';
import { startTelegramApi } from '../testing/telegram.ts';
import { DISCORD_APP_ID, DISCORD_BOT_TOKEN, startDiscordApi } from '../testing/discord.ts';
import { startMsTeams } from '../testing/msteams.ts';
import { startPushService, type PushDevice, type TestPushService } from '../testing/push-service.ts';
import { vapidKeys } from './webpush/vapid.ts';
import type { Database } from '../storage/database.ts';
import { createOrg } from '../modules/orgs/create-org.ts';
import { create } from '../core/approvals/index.ts';
import { installSecretKeys, parseKey, SecretKeys, secretKeys } from '../security/sealed.ts';

const REQUESTS = 200;

/** A stand-in of a chat's API, as the crash needs it: its calls that send a message, and a wait. */
interface ChatApi {
  url: string;
  sends(): { text: string; token: string; to: string }[];
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  lastCallAt(): number;
  close(): Promise<void>;
}

interface ChatCase {
  channel: 'slack' | 'telegram' | 'discord' | 'msteams' | 'webpush';
  /** What points the server at the stand-in (GREENLIGHT_<…>_API_URL). */
  apiEnv(url: string): Record<string, string>;
  token: string;
  /** Where every message goes. */
  to: string;
  start(): Promise<ChatApi>;
  /** Connects the org to the chat, so each of its requests becomes one message. */
  connect(db: Database, org: { id: string }, admin: { id: string }, apiUrl: string): Promise<void>;
}

// Slow enough that many messages are in flight when the kill lands.
const DELAY_MS = 40;

const CASES: ChatCase[] = [
  {
    channel: 'slack',
    apiEnv: (url) => ({ GREENLIGHT_SLACK_API_URL: url }),
    token: 'xoxb-1111-2222-crashcrashcrash',
    to: '#crash',
    async start() {
      const api = await startSlackApi({ delayMs: DELAY_MS });
      return {
        url: api.url,
        sends: () => api.of('chat.postMessage').map((c) => ({ text: String(c.args.text), token: c.token ?? '', to: String(c.args.channel) })),
        until: api.until,
        lastCallAt: () => Math.max(...api.calls.map((c) => c.at)),
        close: api.close,
      };
    },
    async connect(db, org) {
      await db.query('INSERT INTO slack_settings (org_id, bot_token, signing_secret, default_channel, dm_approvers) VALUES ($1, $2, $3, $4, false)', [
        org.id,
        secretKeys().seal(this.token),
        secretKeys().seal('crashsecret0123456789'),
        this.to,
      ]);
    },
  },
  {
    channel: 'telegram',
    apiEnv: (url) => ({ GREENLIGHT_TELEGRAM_API_URL: url }),
    token: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x',
    to: '4242',
    async start() {
      const api = await startTelegramApi({ delayMs: DELAY_MS });
      return {
        url: api.url,
        sends: () => api.of('sendMessage').map((c) => ({ text: String(c.args.text), token: c.token, to: String(c.args.chat_id) })),
        until: api.until,
        lastCallAt: () => Math.max(...api.calls.map((c) => c.at)),
        close: api.close,
      };
    },
    async connect(db, org, admin) {
      await db.query('INSERT INTO telegram_settings (org_id, bot_token, webhook_secret, bot_username) VALUES ($1, $2, $3, $4)', [
        org.id,
        secretKeys().seal(this.token),
        secretKeys().seal('crash-webhook-secret-0123456789abcdef'),
        'greenlight_test_bot',
      ]);
      await db.query('INSERT INTO telegram_links (org_id, user_id, telegram_user_id, chat_id, telegram_username) VALUES ($1, $2, $3, $3, $4)', [org.id, admin.id, Number(this.to), 'crash']);
    },
  },
  {
    channel: 'discord',
    apiEnv: (url) => ({ GREENLIGHT_DISCORD_API_URL: url }),
    token: DISCORD_BOT_TOKEN,
    // The linked person's Discord user id: each message goes to the DM channel Discord gives for them.
    to: '700000000000000001',
    async start() {
      const api = await startDiscordApi({ delayMs: DELAY_MS });
      const person = this.to;
      return {
        url: api.url,
        sends: () =>
          api.of('POST /channels/:id/messages').map((c) => ({
            text: String(c.body.content),
            token: (c.auth ?? '').replace(/^Bot /, ''),
            to: c.params[0] === api.dmChannelOf(person) ? person : c.params[0]!,
          })),
        until: api.until,
        lastCallAt: () => Math.max(...api.calls.map((c) => c.at)),
        close: api.close,
      };
    },
    async connect(db, org, admin) {
      await db.query('INSERT INTO discord_settings (org_id, application_id, bot_token, public_key, channel_id, bot_username) VALUES ($1, $2, $3, $4, NULL, $5)', [
        org.id,
        DISCORD_APP_ID,
        secretKeys().seal(this.token),
        secretKeys().seal('ab'.repeat(32)),
        'greenlight_test_bot',
      ]);
      await db.query('INSERT INTO discord_links (org_id, user_id, discord_user_id, discord_username) VALUES ($1, $2, $3, $4)', [org.id, admin.id, this.to, 'crash']);
    },
  },
  {
    channel: 'msteams',
    apiEnv: (url) => ({ GREENLIGHT_MSTEAMS_API_URL: url, GREENLIGHT_MSTEAMS_TOKEN_URL: `${url}token` }),
    // The app id: each card must carry a Connector token the stand-in issued to this app.
    token: '6f1c2b0e-5d4a-4c3b-9a8f-7e6d5c4b3a21',
    to: 'a:crash-personal-chat',
    async start() {
      const api = await startMsTeams({ delayMs: DELAY_MS });
      api.addApp(this.token, 'crash~secret');
      return {
        url: api.serviceUrl,
        sends: () =>
          api
            .posts()
            .filter((c) => Array.isArray(c.body.attachments))
            .map((c) => ({ text: JSON.stringify(c.body.attachments), token: api.appOf(c.authorization) ?? '', to: c.conversationId })),
        until: api.until,
        lastCallAt: () => Math.max(...api.calls.map((c) => c.at)),
        close: api.close,
      };
    },
    async connect(db, org, admin, apiUrl) {
      await db.query('INSERT INTO msteams_settings (org_id, app_id, app_password) VALUES ($1, $2, $3)', [org.id, this.token, secretKeys().seal('crash~secret')]);
      await db.query('INSERT INTO msteams_links (org_id, user_id, msteams_user_id, conversation_id, service_url, msteams_name) VALUES ($1, $2, $3, $4, $5, $6)', [
        org.id,
        admin.id,
        '29:crash',
        this.to,
        apiUrl,
        'crash',
      ]);
    },
  },
  ((): ChatCase => {
    let push: TestPushService;
    let device: PushDevice;
    return {
      channel: 'webpush',
      // The push service is on loopback, which the webhooks' guard (the sender of pushes) refuses unless told.
      apiEnv: () => ({ GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_WEBPUSH_SUBJECT: 'mailto:crash@greenlight.test' }),
      // The VAPID token's subject: each message must carry the server's token.
      token: 'mailto:crash@greenlight.test',
      to: 'the admin\'s device',
      async start() {
        push = await startPushService({ delayMs: DELAY_MS });
        return {
          url: push.url,
          sends: () =>
            push.calls
              .filter((c) => c.status === 201 && c.payload)
              .map((c) => ({ text: String(c.payload!.title), token: c.claims?.sub ?? '', to: c.deviceId === device.id ? this.to : c.deviceId })),
          until: push.until,
          lastCallAt: () => Math.max(...push.calls.map((c) => c.at)),
          close: push.close,
        };
      },
      async connect(db, org, admin) {
        // The server's key pair, made as the server makes it; the device subscribes with its public key.
        device = push.device((await vapidKeys(db)).publicKey);
        await db.query('INSERT INTO webpush_subscriptions (org_id, user_id, endpoint, p256dh, auth, device) VALUES ($1, $2, $3, $4, $5, $6)', [
          org.id,
          admin.id,
          device.subscription.endpoint,
          device.subscription.keys.p256dh,
          device.subscription.keys.auth,
          'crash',
        ]);
      },
    };
  })(),
];

describe('every chat at once', () => {
  let storage: ProcessStorage;
  let apis: ChatApi[];
  const processes: SpawnedServer[] = [];

  /** One org connected to every chat, and 200 requests that ask everyone: 200 `notify` rows pending, each to become one message per chat. */
  async function seed(db: Database): Promise<void> {
    installSecretKeys(new SecretKeys(parseKey(TEST_SECRET_KEY)));
    const { org, user } = await createOrg(db, { slug: 'chat-crash', name: 'chat crash', adminEmail: 'admin@chat-crash.test' });
    for (const [i, chat] of CASES.entries()) await chat.connect(db, org, user, apis[i]!.url);
    const caller = { org: { id: org.id }, principal: { type: 'connection' as const, id: randomUUID(), name: 'crash test' }, user: null };
    for (let i = 0; i < REQUESTS; i++) {
      await create(db, caller, {
        connection_id: null, title: `Request ${i + 1}`, description: '', priority: 'medium', action_type: null, source: null,
        metadata: {}, required_approvals: 1, is_sequential: false, callback_url: null, callback_headers: null, external_id: null,
        idempotency_key: null, request_fingerprint: null, tags: {}, changes: null, resource: null, expires_at: null,
        on_expiry: 'expire', redact: [], flow_id: null, flow_version: null, notify: false,
      });
    }
    // Queued because the org's chats tell people, although the caller sends no email.
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE channel = 'notify' AND status = 'pending'`);
    expect(rows[0]!.n).toBe(REQUESTS);
  }

  beforeAll(async () => {
    apis = await Promise.all(CASES.map((chat) => chat.start()));
    storage = await processStorage('chat-crash', seed);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await Promise.all((apis ?? []).map((api) => api.close()));
    await storage?.drop();
  }, 60_000);

  const env = () => ({
    ...storage.env,
    GREENLIGHT_SECRET_KEY: TEST_SECRET_KEY,
    ...Object.assign({}, ...CASES.map((chat, i) => chat.apiEnv(apis[i]!.url))),
    GREENLIGHT_DELIVERY_SCHEDULE: '0,200ms,200ms,200ms,200ms,200ms',
    GREENLIGHT_DELIVERY_SWEEP_MS: '200',
    // A short timeout keeps the lease of the killed process's claims (timeout + 5 s) short.
    GREENLIGHT_DELIVERY_TIMEOUT_MS: '1000',
    GREENLIGHT_DELIVERY_CONCURRENCY: '8',
    // The requests ask everyone: sent at once, not after the grace that lets a requester name steps first.
    GREENLIGHT_NOTIFY_GRACE_MS: '0',
  });

  /** The requests that reached a chat (a title is in each message once). */
  const reached = (api: ChatApi) => new Set(api.sends().map((s) => /Request \d+/.exec(s.text)?.[0])).size;
  const sends = () => apis.reduce((n, api) => n + api.sends().length, 0);
  const lastCallAt = () => Math.max(...apis.map((api) => api.lastCallAt()));

  // One kill for all the chats: their messages are in flight together, in one worker, as in a server
  // connected to several; each chat is then checked on its own.
  it('SIGKILL while sending, restart: every request reaches every chat, and is recorded', async () => {
    const first = await spawnServer(env());
    processes.push(first);
    await apis[0]!.until(() => sends() >= 100, 60_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(apis.filter((api) => reached(api) < REQUESTS).length).toBeGreaterThan(0);

    const second = await spawnServer(env());
    processes.push(second);
    for (const api of apis) await api.until(() => reached(api) === REQUESTS, 120_000);
    const outstanding = async (d: Database) =>
      (await d.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE status IN ('pending', 'delivering')`)).rows[0]!.n;
    if (storage.live) {
      for (let i = 0; i < 300 && (await outstanding(storage.live)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    } else {
      await apis[0]!.until(() => Date.now() - lastCallAt() > 7_000, 30_000);
    }
    await second.stop();

    for (const [i, chat] of CASES.entries()) expect(apis[i]!.sends().every((s) => s.to === chat.to && s.token === chat.token), chat.channel).toBe(true);
    const { rows } = await storage.read((check) =>
      check.query<{ channel: string; rows: number; delivered: number; messages: number }>(
        `SELECT d.channel, count(*)::int AS rows, count(*) FILTER (WHERE d.status = 'delivered')::int AS delivered,
                (SELECT count(DISTINCT m.approval_id)::int FROM sent_messages m WHERE m.channel = d.channel) AS messages
           FROM deliveries d WHERE d.channel = ANY ($1) GROUP BY d.channel ORDER BY d.channel`,
        [CASES.map((c) => c.channel)],
      ),
    );
    expect(rows).toEqual(CASES.map((c) => ({ channel: c.channel, rows: REQUESTS, delivered: REQUESTS, messages: REQUESTS })).sort((a, b) => a.channel.localeCompare(b.channel)));
  }, 300_000);
});
