import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';
import { createApp } from './app.ts';
import type { AppDeps, AuthContext } from './context.ts';
import { createExpressServer } from './http/express-server.ts';
import { openDatabase } from './storage/open.ts';
import type { Database } from './storage/database.ts';
import { memoryRateLimitStore, redisRateLimitStore, type RateLimitStore } from './http/rate-limit.ts';
import { every, type Job } from './jobs/every.ts';
import { startExpirySweep } from './jobs/expiry.ts';
import { startSearchIndexUpkeep } from './jobs/search-index-upkeep.ts';
import { startRetention, warmUpRetention } from './jobs/retention.ts';
import { startUnauthorizedClientPurge } from './modules/oauth/purge-unauthorized-clients.ts';
import { OAUTH_SETTINGS } from './modules/oauth/settings.ts';
import { startAdminSocket } from './admin/admin-socket.ts';
import { EventBus } from './events/event-bus.ts';
import { ApiKeyCache } from './http/api-key-cache.ts';
import { RoutingCache } from './core/routing-cache.ts';
import { FlowCache } from './core/flow-cache.ts';
import { readCurrentVersion } from './modules/flows/flows.ts';
import { PolicyCache } from './core/deciders/policy-cache.ts';
import { DeliveryWorker } from './delivery/outbox/worker.ts';
import { register } from './delivery/outbox/attempt.ts';
import { channels } from './channels/index.ts';
import { httpSender } from './channels/webhook/http-sender.ts';
import { smtpMailer } from './channels/email/email-sender.ts';
import { notifyChannel } from './notify/notify-channel.ts';
import { timerPoller } from './jobs/timers.ts';
import { probeDueWaiters } from './jobs/waiter-probes.ts';
import { startKeyExpiryWarnings } from './jobs/key-expiry-warnings.ts';
import { Metrics } from './metrics/metrics.ts';
import { installSecretKeys, loadSecretKeys } from './security/sealed.ts';
import { sealAllAuditChains } from './core/audit-chain.ts';
import { reencryptSecrets } from './security/reencrypt-secrets.ts';

/** Between two retention batches: requests queued for the database meanwhile go first. */
const RETENTION_PAUSE_MS = 20;

export interface RunningServer {
  url: string;
  server: Server;
  deps: AppDeps;
  /**
   * Drains and stops. Idle kept-alive connections are waited for by default (see ExpressServer's
   * drain: closing one under a request on its way resets it); `idleConnections: 'close'` closes them
   * at once, for a server whose only clients are the tests in its own process.
   */
  close(options?: { idleConnections?: 'wait' | 'close' }): Promise<void>;
}

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>): Logger {
  return pino({ level: config.LOG_LEVEL, base: { service: 'greenlight' } });
}

/** Opens storage, starts the HTTP server and the background jobs; `close()` drains and stops them in order. */
export async function startGreenlight(
  config: Config,
  options: { logger?: Logger; db?: Database; rateLimit?: RateLimitStore } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  const db = options.db ?? (await openDatabase(config));
  // Before anything reads or writes a secret: values stored plain or under a previous key are sealed anew.
  const keys = loadSecretKeys(config);
  if (config.DATABASE_URL && !config.GREENLIGHT_SECRET_KEY) {
    logger.warn('GREENLIGHT_SECRET_KEY is not set: secrets are sealed with this machine\'s data/secret.key, which other replicas do not have; set the same key on every replica');
  }
  installSecretKeys(keys);
  const resealed = await reencryptSecrets(db, keys);
  if (resealed > 0) logger.info({ values: resealed }, 'secrets sealed with the current key');
  // Audit entries not yet in their org's hash chain (those from before the ledger) are chained, oldest first.
  const chained = await sealAllAuditChains(db);
  if (chained > 0) logger.info({ entries: chained }, 'audit entries added to the ledger');
  const rateLimit = options.rateLimit ?? (config.REDIS_URL ? await redisRateLimitStore(config.REDIS_URL, { logger }) : memoryRateLimitStore());
  // Listening before the first request is served, so no waiter can miss a notification.
  const bus = new EventBus(db, logger);
  await bus.start();
  const apiKeys = new ApiKeyCache<AuthContext>();
  await apiKeys.start(db);
  const routing = new RoutingCache();
  await routing.start(db);
  const flows = new FlowCache(readCurrentVersion);
  await flows.start(db);
  const policies = new PolicyCache();
  await policies.start(db);
  const metrics = config.GREENLIGHT_METRICS_TOKEN ? new Metrics(db) : undefined;
  // Email is sent by the delivery worker; without one in this process, another replica's worker sends it.
  const mailer = config.mail && config.GREENLIGHT_DELIVERY_WORKER ? smtpMailer(config.mail, config.GREENLIGHT_DELIVERY_TIMEOUT_MS) : undefined;
  // Webhooks and waiter probes leave through the same SSRF-guarded sender.
  const sender = httpSender({ guard: { allowCidrs: config.callbackAllowCidrs }, timeoutMs: config.GREENLIGHT_DELIVERY_TIMEOUT_MS });
  const ways = channels({ config, sender, mailer });
  const outbox = [...ways, register(notifyChannel({ channels: ways, graceMs: config.GREENLIGHT_NOTIFY_GRACE_MS }))];
  const delivery = config.GREENLIGHT_DELIVERY_WORKER ? new DeliveryWorker({ db, logger, config, metrics, channels: outbox }) : undefined;
  const deps: AppDeps = { config, db, logger, rateLimit, bus, apiKeys, routing, flows, policies, delivery, channels: outbox, metrics };
  const app = createApp(deps);
  const server = createExpressServer(app);
  server.keepAliveTimeout = 5_000;
  if (config.GREENLIGHT_RETENTION_DAYS !== undefined) await warmUpRetention(db, { days: config.GREENLIGHT_RETENTION_DAYS });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;

  const jobs: Job[] = [
    startExpirySweep(db, logger, config.GREENLIGHT_EXPIRY_SWEEP_MS, metrics),
    startSearchIndexUpkeep(db, logger, config.GREENLIGHT_INDEX_UPKEEP_MS),
    every(config.GREENLIGHT_TIMER_POLL_MS, logger, 'timers', timerPoller({ db, notify: config.mail !== null })),
    startUnauthorizedClientPurge(db, logger, OAUTH_SETTINGS.unauthorizedClientPurgeEvery * 1000),
  ];
  // Hourly is soon enough for a warning days ahead; without email there is no way to tell anyone yet,
  // and the keys stay unwarned until a server with email runs.
  if (config.mail !== null) jobs.push(startKeyExpiryWarnings(db, logger, 3_600_000));
  if (config.GREENLIGHT_RETENTION_DAYS !== undefined) {
    jobs.push(
      startRetention(db, logger, {
        days: config.GREENLIGHT_RETENTION_DAYS,
        batchSize: config.GREENLIGHT_RETENTION_BATCH,
        intervalMs: config.GREENLIGHT_RETENTION_SWEEP_MS,
        pauseMs: RETENTION_PAUSE_MS,
      }),
    );
  }
  jobs.push(await startAdminSocket(deps, { ownsDataDir: !options.db }));
  if (delivery) {
    await delivery.start();
    jobs.push(delivery);
    if (config.GREENLIGHT_WAITER_PROBES) {
      const probes = { db, sender, mail: mailer !== undefined, config };
      jobs.push(every(config.GREENLIGHT_WAITER_POLL_MS, logger, 'waiter-probes', () => probeDueWaiters(probes, delivery.signal)));
    }
  }

  let closing: Promise<void> | undefined;
  const close = ({ idleConnections = 'wait' }: { idleConnections?: 'wait' | 'close' } = {}) =>
    (closing ??= (async () => {
      // Stop taking connections, let in-flight requests finish, then stop jobs and storage. Closing
      // the bus ends event streams and answers long polls, which would otherwise hold the close.
      const drained = server.drain({ idle: idleConnections });
      bus.close().catch((err: unknown) => logger.warn({ err }, 'closing the event bus failed'));
      await drained;
      await Promise.all(jobs.map((j) => j.stop()));
      mailer?.close();
      sender.close();
      await apiKeys.close();
      await routing.close();
      await flows.close();
      await policies.close();
      await rateLimit.close();
      if (!options.db) await db.close();
    })());

  return { url, server, deps, close };
}
