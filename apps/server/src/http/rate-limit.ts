import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds at which the current window ends (X-RateLimit-Reset). */
  resetAt: number;
  /** Seconds from now until `resetAt` (Retry-After); at least 1. */
  retryAfterSeconds: number;
}

/** Fixed-window counter per key. Chosen at composition time: in-process, or Redis (exact across processes). */
export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  consume(key: string, limit: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

export const RATE_LIMIT_WINDOW_SECONDS = 3600;

export interface RateLimitStoreOptions {
  windowSeconds?: number;
  /** Clock in epoch milliseconds; tests move it across window boundaries. */
  now?: () => number;
}

export interface RedisRateLimitStoreOptions extends RateLimitStoreOptions {
  /** Where a Redis outage and its recovery are reported. */
  logger?: Pick<Logger, 'warn' | 'info'>;
  /** A Redis that answers slower than this counts as down for that request. */
  commandTimeoutMs?: number;
  /**
   * Separates the counters of one deployment from another's on a shared Redis (default
   * `greenlight`). Tests give each server its own, so per-IP counters of one test run do not
   * carry over into the next within the window.
   */
  namespace?: string;
}

/**
 * The counter never refuses by itself: it counts, and the store compares the count with the
 * caller's limit. So a connection's limit can differ per request (it is read from the database
 * each time) and a lowered limit applies at once to the count already made in this window.
 */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

/**
 * Kept a little past their window so a process whose clock runs slightly behind still finds the
 * count; a key is never reused after its window, because the window number is part of it.
 */
const KEY_GRACE_SECONDS = 60;

/**
 * Windows are aligned to the clock (window n covers [n·w, (n+1)·w) in epoch seconds), not started by
 * the first request. So every process computes the same window and the same X-RateLimit-Reset,
 * the reset is a whole second (the spec's example, 1711296000, is on the hour), and
 * Retry-After = Reset − the current whole second: a client adding Retry-After to the response's
 * Date lands exactly on Reset, never before the count is cleared, and never more than one window away.
 */
function createStore(
  kind: RateLimitStore['kind'],
  limiter: RateLimiterAbstract,
  options: RateLimitStoreOptions,
  onClose: () => Promise<void>,
): RateLimitStore {
  const windowSeconds = options.windowSeconds ?? RATE_LIMIT_WINDOW_SECONDS;
  const now = options.now ?? Date.now;
  return {
    kind,
    async consume(key, limit) {
      const nowSeconds = Math.floor(now() / 1000);
      const window = Math.floor(nowSeconds / windowSeconds);
      const resetAt = (window + 1) * windowSeconds;
      const retryAfterSeconds = resetAt - nowSeconds;
      const res: RateLimiterRes = await limiter.consume(`${key}:${window}`, 1, {
        customDuration: retryAfterSeconds + KEY_GRACE_SECONDS,
      });
      return {
        allowed: res.consumedPoints <= limit,
        limit,
        remaining: Math.max(0, limit - res.consumedPoints),
        resetAt,
        retryAfterSeconds,
      };
    },
    close: onClose,
  };
}

const memoryLimiter = (windowSeconds: number) =>
  new RateLimiterMemory({ points: UNBOUNDED, duration: windowSeconds + KEY_GRACE_SECONDS, keyPrefix: 'greenlight:rl' });

/** Exact within one process; with several processes each counts alone (use Redis there). */
export function memoryRateLimitStore(options: RateLimitStoreOptions = {}): RateLimitStore {
  const windowSeconds = options.windowSeconds ?? RATE_LIMIT_WINDOW_SECONDS;
  return createStore('memory', memoryLimiter(windowSeconds), options, async () => {});
}

/**
 * One Lua script per request on Redis (SET NX EX + INCRBY, from rate-limiter-flexible): an atomic
 * increment, never read-then-write, so several server processes share one exact count.
 *
 * When Redis is unreachable, slow (past `commandTimeoutMs`) or reconnecting, each request is counted
 * instead by an in-process insurance limiter, so the API keeps answering and keeps limiting. During
 * such an outage the limit holds per process, not across processes: N processes may let through up
 * to N times the limit. Requests counted in memory are not added to Redis when it comes back; the
 * count Redis kept resumes. The first connection must succeed: a REDIS_URL that never answers is a
 * configuration error, reported at start-up rather than hidden behind per-process counting.
 */
export async function redisRateLimitStore(url: string, options: RedisRateLimitStoreOptions = {}): Promise<RateLimitStore> {
  const windowSeconds = options.windowSeconds ?? RATE_LIMIT_WINDOW_SECONDS;
  // Loaded here, not at the top: without REDIS_URL the client library is never loaded (bench P5).
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    // Fail at once while disconnected, so the insurance limiter answers instead of a queue waiting.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: 5_000,
  });

  let degraded = false;
  let running = false;
  let lastError: Error | undefined;
  // Reported once per outage; a failed first connection is reported by the throw below instead.
  const markDegraded = (cause: string) => {
    if (degraded || !running) return;
    degraded = true;
    options.logger?.warn({ cause }, 'Redis unavailable: rate limits are counted per process until it is back');
  };
  // Also keeps ioredis from printing "Unhandled error event" on every reconnection attempt.
  client.on('error', (err: Error) => {
    lastError = err;
    markDegraded(err.message);
  });
  client.on('close', () => markDegraded('connection closed'));
  client.on('ready', () => {
    if (!degraded) return;
    degraded = false;
    options.logger?.info('Redis is back: rate limits are counted across processes again');
  });

  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    // The socket's error says why ("connect ECONNREFUSED …"); connect() itself only says "Connection is closed".
    // The URL may carry a password: name the cause, not the URL.
    const cause = lastError ?? (err as Error);
    throw new Error(`cannot connect to Redis (REDIS_URL): ${cause.message}`, { cause });
  }
  running = true;

  const limiter = new RateLimiterRedis({
    storeClient: client,
    points: UNBOUNDED,
    duration: windowSeconds + KEY_GRACE_SECONDS,
    keyPrefix: `${options.namespace ?? 'greenlight'}:rl:${windowSeconds}`,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memoryLimiter(windowSeconds),
  });
  return createStore('redis', limiter, options, async () => {
    running = false;
    await client.quit().catch(() => client.disconnect());
  });
}
