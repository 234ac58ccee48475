import express from 'express';
import { z } from 'zod';
import { EmailAddress } from '@greenlight/contract';
import { DEFAULT_DELIVERY_SCHEDULE, parseSchedule, type Schedule } from './delivery/outbox/schedule.ts';
import { parseAllowCidrs, type Cidr } from './channels/webhook/ssrf.ts';
import { parseKey } from './security/sealed.ts';

/** A list of networks, e.g. "10.0.0.0/8,::1/128", checked as the SSRF guard reads it. Empty: none. */
const allowCidrs = z
  .string()
  .optional()
  .superRefine((s, ctx) => {
    try {
      parseAllowCidrs(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/**
 * Digits only: `Number()` would also take " ", "0x10" and "1e3", and an empty-looking PORT would
 * silently become 0 (a random port).
 */
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

/** Checked as a parsed URL, not only by prefix, so "postgres://" followed by garbage is refused too. */
const urlWithScheme = (schemes: readonly string[]) =>
  z.string().refine(
    (s) => URL.canParse(s) && schemes.includes(new URL(s).protocol.slice(0, -1)),
    `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}`,
  );

/**
 * Which proxies' X-Forwarded-For to believe, in Express's terms: a number of hops, or a comma list of
 * addresses, CIDRs and the names `loopback`, `linklocal`, `uniquelocal`. Never "everyone": any client
 * could then choose the address the per-address rate limits count it under. Checked by letting Express
 * compile it, so a typo stops the start rather than trusting nobody.
 */
const trustProxy = z
  .string()
  .refine((s) => s.toLowerCase() !== 'true', 'must name the proxies (a hop count or addresses), not "true"')
  .transform((s, ctx) => {
    const value: number | string[] = /^\d{1,3}$/.test(s) ? Number(s) : s.split(',').map((p) => p.trim());
    try {
      express().set('trust proxy', value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be a hop count or a list of addresses, CIDRs, loopback, linklocal or uniquelocal (${(err as Error).message})` });
      return z.NEVER;
    }
    return value;
  });

const keyParses = (text: string) => {
  try {
    parseKey(text);
    return true;
  } catch {
    return false;
  }
};
const secretKey = z.string().refine(keyParses, 'must be 32 bytes, as 64 hex characters or base64 (e.g. `openssl rand -base64 32`)');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const bool = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true, false, 1 or 0' })
  .transform((v) => v === 'true' || v === '1');

/** Every setting comes from the environment and is checked here, once, at start-up. */
export const ConfigSchema = z.object({
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: urlWithScheme(['postgres', 'postgresql']).optional(),
  // Postgres connections of this process (storage/postgres.ts says how the defaults were chosen).
  GREENLIGHT_DB_POOL_MAX: integer(1, 1000).default(20),
  GREENLIGHT_DB_POOL_IDLE_MS: integer(0, 86_400_000).default(300_000),
  GREENLIGHT_DATA_DIR: z.string().min(1).default('./data'),
  /**
   * The embedded database's buffer pool (Postgres's shared_buffers), in its WebAssembly memory and
   * zeroed at every start. 32MB rather than PGlite's 128MB: the same create throughput under load
   * (bench P5), about 90 MB less at rest and under load; the data directory's files stay in the
   * operating system's cache beyond it.
   */
  GREENLIGHT_PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^[1-9]\d*MB$/, 'must be a size in MB, such as 16MB')
    .refine((v) => Number.parseInt(v, 10) <= 1024, 'must be at most 1024MB')
    .default('32MB'),
  REDIS_URL: urlWithScheme(['redis', 'rediss']).optional(),
  /** Seals signing secrets and callback headers at rest (security/sealed.ts); unset: `<data dir>/secret.key`, made on first start. */
  GREENLIGHT_SECRET_KEY: secretKey.optional(),
  /** Keys being rotated out, comma-separated: they still open what they sealed until start-up re-encrypts it. */
  GREENLIGHT_SECRET_KEY_PREVIOUS: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.split(',').filter((k) => k.trim()).every((k) => keyParses(k)), 'each key must be 32 bytes, as 64 hex characters or base64'),
  GREENLIGHT_PUBLIC_URL: urlWithScheme(['http', 'https']).optional(),
  /** Behind a reverse proxy: whose X-Forwarded-For gives the client's address (see trustProxy). Unset: the peer's address. */
  GREENLIGHT_TRUST_PROXY: trustProxy.optional(),
  // The contract's one rule for an address (admin@localhost, the default, is one), as the CLI and the API apply it.
  GREENLIGHT_ADMIN_EMAIL: EmailAddress.default('admin@localhost'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  GREENLIGHT_EXPIRY_SWEEP_MS: integer(100, 86_400_000).default(5000),
  GREENLIGHT_INDEX_UPKEEP_MS: integer(100, 86_400_000).default(1000),
  // How often due reminders, escalations and digests are looked for (jobs/timers.ts).
  GREENLIGHT_TIMER_POLL_MS: integer(100, 3_600_000).default(5000),
  /**
   * How long a new request that names nobody to ask (no steps, flow or routing rule's approvers: the
   * "ask everyone" fallback) waits before everyone who may decide is told (notify/notify-channel.ts):
   * its requester may still set its steps meanwhile, and then only the people they name are asked.
   * A request that names its approvers is told at once. 0: no wait.
   */
  GREENLIGHT_NOTIFY_GRACE_MS: integer(0, 600_000).default(10_000),
  // Unset: requests are kept for ever.
  GREENLIGHT_RETENTION_DAYS: integer(1, 36_500).optional(),
  GREENLIGHT_RETENTION_BATCH: integer(1, 10_000).default(25),
  GREENLIGHT_RETENTION_SWEEP_MS: integer(100, 86_400_000).default(60_000),
  GREENLIGHT_BODY_LIMIT: z
    .string()
    .regex(/^\d+(kb|mb)$/, 'must be a size in kb or mb, such as 256kb or 1mb')
    .default('256kb'),
  GREENLIGHT_VALIDATE_RESPONSES: bool.optional(),
  /** Requests with an invalid credential one client address may make per hour before it gets 429. */
  GREENLIGHT_AUTH_FAILURES_PER_IP: integer(1, 100_000_000).default(100),
  // The outbox (delivery/outbox/): every channel's retries follow this schedule, the delay before each attempt.
  GREENLIGHT_DELIVERY_SCHEDULE: z
    .string()
    .default(DEFAULT_DELIVERY_SCHEDULE)
    .superRefine((s, ctx) => {
      try {
        parseSchedule(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  GREENLIGHT_DELIVERY_TIMEOUT_MS: integer(100, 60_000).default(15_000),
  GREENLIGHT_DELIVERY_CONCURRENCY: integer(1, 256).default(16),
  GREENLIGHT_DELIVERY_SWEEP_MS: integer(50, 3_600_000).default(1000),
  GREENLIGHT_DELIVERY_WORKER: bool.default(true),
  /** How long a decision waits for the first attempt of its callback before answering. */
  GREENLIGHT_CALLBACK_INLINE_MS: integer(0, 10_000).default(2000),
  /**
   * Dead-waiter detection (jobs/waiter-probes.ts): a pending request's callback target is probed
   * with HEAD, first PROBE_AFTER after the create, then at doubling intervals up to PROBE_MAX; a target
   * that gives no answer at all for longer than GONE_AFTER is taken for gone (404 and 410 at once).
   */
  GREENLIGHT_WAITER_PROBES: bool.default(true),
  GREENLIGHT_WAITER_PROBE_AFTER_MS: integer(100, 86_400_000).default(300_000),
  GREENLIGHT_WAITER_PROBE_MAX_MS: integer(100, 86_400_000).default(3_600_000),
  GREENLIGHT_WAITER_GONE_AFTER_MS: integer(100, 604_800_000).default(3_600_000),
  /** How often due probes are looked for. */
  GREENLIGHT_WAITER_POLL_MS: integer(50, 3_600_000).default(5000),
  /** Networks that deliveries may reach although they are internal, e.g. "10.0.0.0/8,::1/128". Empty: none. */
  GREENLIGHT_CALLBACK_ALLOW_CIDRS: allowCidrs,
  /**
   * Single sign-on (modules/sso/): networks an org's identity provider may be on although they are
   * internal (a provider on the company network), e.g. "10.0.0.0/8". Empty: public addresses only,
   * as for deliveries: an admin's issuer URL is fetched by the server.
   */
  GREENLIGHT_SSO_ALLOW_CIDRS: allowCidrs,
  /** Accept http:// issuers (development and tests only): the client secret and codes then travel in the clear. */
  GREENLIGHT_SSO_ALLOW_HTTP: bool.default(false),
  /**
   * Serves `GET /metrics` (Prometheus text format) to a scraper sending `Authorization: Bearer <token>`.
   * Unset: no metrics are collected and /metrics answers 404.
   */
  GREENLIGHT_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * Email (channels/email/email-sender.ts): an `smtp://` or `smtps://` URL (credentials and options as
   * nodemailer reads them, e.g. smtps://user:pass@mail.example.com:465) and the From address. Both or
   * neither: without them no email is queued or sent, and the dashboard says email is off.
   */
  GREENLIGHT_SMTP_URL: urlWithScheme(['smtp', 'smtps']).optional(),
  GREENLIGHT_MAIL_FROM: z.string().regex(/^([^<>\r\n]*<)?[^\s@<>]+@[^\s@<>]+>?$/, 'must be an email address, optionally as "Name <address>"').optional(),
  /**
   * Where the Slack Web API is reached (@slack/web-api's `slackApiUrl`, ending in `/api/`). Unset:
   * Slack's own. Tests point it at a local server standing in for Slack.
   */
  GREENLIGHT_SLACK_API_URL: urlWithScheme(['http', 'https']).optional(),
  /**
   * Where the Telegram Bot API is reached (grammY's `apiRoot`, without a trailing /bot…). Unset:
   * https://api.telegram.org. Tests point it at a local server standing in for Telegram.
   */
  GREENLIGHT_TELEGRAM_API_URL: urlWithScheme(['http', 'https']).optional(),
  /**
   * Where Discord's HTTP API is reached (the base with its version, as https://discord.com/api/v10).
   * Unset: that address. Tests point it at a local server standing in for Discord.
   */
  GREENLIGHT_DISCORD_API_URL: urlWithScheme(['http', 'https']).optional(),
  /**
   * How long a Discord button click may take to decide before Greenlight answers Discord with a
   * deferred update and tells the outcome by a follow-up: Discord drops an interaction not answered
   * within 3 seconds. 0 always defers.
   */
  GREENLIGHT_DISCORD_ANSWER_WITHIN_MS: integer(0, 2500).default(2000),
  /**
   * Microsoft Teams (channels/msteams). Where the Bot Framework's OpenID metadata is read (it names
   * the keys that sign the tokens Teams sends with each activity); where a bot gets its Connector API
   * tokens (client credentials; unset: Microsoft Entra's, for the bot's tenant or botframework.com);
   * and the Connector API a channel post goes to before any activity named one (unset: Teams' global
   * one). Tests point all three at a local server standing in for Microsoft.
   */
  GREENLIGHT_MSTEAMS_OPENID_URL: urlWithScheme(['http', 'https']).default('https://login.botframework.com/v1/.well-known/openidconfiguration'),
  GREENLIGHT_MSTEAMS_TOKEN_URL: urlWithScheme(['http', 'https']).optional(),
  GREENLIGHT_MSTEAMS_API_URL: urlWithScheme(['http', 'https']).optional(),
  /**
   * Where GitHub's REST API is reached (the app's tokens and the deployment protection rule answers).
   * Unset: https://api.github.com; GitHub Enterprise Server: https://HOST/api/v3. A deployment's
   * callback URL on any other origin is refused, so an installation token never leaves for elsewhere.
   * Tests point it at a local server standing in for GitHub.
   */
  GREENLIGHT_GITHUB_API_URL: urlWithScheme(['http', 'https']).default('https://api.github.com'),
  /**
   * Web Push (channels/webpush): the contact the VAPID token names (RFC 8292 `sub`), for the push
   * services' operators to reach whoever runs this server: a `mailto:` address or an `https:` URL.
   * Unset: GREENLIGHT_PUBLIC_URL when it is https, else `mailto:webpush@` its host. Apple's service
   * refuses a localhost URL here.
   */
  GREENLIGHT_WEBPUSH_SUBJECT: z
    .string()
    .refine((s) => URL.canParse(s) && ['mailto:', 'https:'].includes(new URL(s).protocol), 'must be a mailto: address or an https:// URL')
    .optional(),
  /**
   * Durable engines (channels/engines): where each is reached. Trigger.dev's REST API (self-hosted:
   * your instance's URL); Inngest's event API; Step Functions: unset means AWS's endpoint for each
   * org's region. Tests point them at local servers standing in for the engines.
   */
  GREENLIGHT_TRIGGER_DEV_API_URL: urlWithScheme(['http', 'https']).default('https://api.trigger.dev'),
  GREENLIGHT_INNGEST_EVENT_API_URL: urlWithScheme(['http', 'https']).default('https://inn.gs'),
  GREENLIGHT_STEP_FUNCTIONS_ENDPOINT: urlWithScheme(['http', 'https']).optional(),
  NODE_ENV: z.string().default('development'),
}).refine((c) => (c.GREENLIGHT_SMTP_URL === undefined) === (c.GREENLIGHT_MAIL_FROM === undefined), {
  message: 'set both GREENLIGHT_SMTP_URL and GREENLIGHT_MAIL_FROM, or neither',
  path: ['GREENLIGHT_SMTP_URL'],
});

export type Config = z.infer<typeof ConfigSchema> & {
  publicUrl: string;
  validateResponses: boolean;
  deliverySchedule: Schedule;
  callbackAllowCidrs: Cidr[];
  ssoAllowCidrs: Cidr[];
  /** Set when email is configured (GREENLIGHT_SMTP_URL and GREENLIGHT_MAIL_FROM). */
  mail: { smtpUrl: string; from: string } | null;
};

/** A bad setting: main.ts prints the message and exits with 78 (EX_CONFIG). */
export class ConfigError extends Error {}

/**
 * The message names each bad variable and what it must be, never the value given: a URL may
 * carry a password.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as shells and .env files usually intend.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = ConfigSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    ...c,
    publicUrl: (c.GREENLIGHT_PUBLIC_URL ?? `http://${c.HOST === '0.0.0.0' ? 'localhost' : c.HOST}:${c.PORT}`).replace(/\/$/, ''),
    validateResponses: c.GREENLIGHT_VALIDATE_RESPONSES ?? c.NODE_ENV !== 'production',
    deliverySchedule: parseSchedule(c.GREENLIGHT_DELIVERY_SCHEDULE),
    callbackAllowCidrs: parseAllowCidrs(c.GREENLIGHT_CALLBACK_ALLOW_CIDRS),
    ssoAllowCidrs: parseAllowCidrs(c.GREENLIGHT_SSO_ALLOW_CIDRS),
    mail: c.GREENLIGHT_SMTP_URL && c.GREENLIGHT_MAIL_FROM ? { smtpUrl: c.GREENLIGHT_SMTP_URL, from: c.GREENLIGHT_MAIL_FROM } : null,
  };
}
