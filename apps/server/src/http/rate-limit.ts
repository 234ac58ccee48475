import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds at which the current window ends (X-RateLimit-Reset). */
  resetAt: number;
  /** Seconds from now until `resetAt` (Retry-After); at least 1. */
  retryAfterSeconds: number;
}

/**
 * A sliding window per key: a request is allowed when fewer than `limit` requests were allowed in
 * the `windowSeconds` before it, so no interval of that length ever lets more than `limit` through
 * (a fixed window let twice the limit through across its boundary). Refused requests take no slot:
 * a client that retries too early is told when to come back, and is not pushed further away.
 * Chosen at composition time: in-process, or Redis (exact across processes).
 */
export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  /** `windowSeconds` defaults to an hour (RATE_LIMIT_WINDOW_SECONDS). */
  consume(key: string, limit: number, windowSeconds?: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

export const RATE_LIMIT_WINDOW_SECONDS = 3600;

export interface RateLimitStoreOptions {
  /** Clock in epoch milliseconds, of the memory store; tests move it. Redis uses its own clock. */
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
 * Reset is when the next slot frees: the request whose leaving the window brings the count below
 * the limit (the oldest one, unless a lowered limit left more than `limit` in the window), plus the
 * window, rounded up to a whole second. Retry-After = Reset − the current whole second, so a client
 * adding it to the response's Date never comes back before the slot is free.
 */
function decision(allowed: boolean, limit: number, counted: number, resetAt: number, nowMs: number): RateLimitDecision {
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - counted),
    resetAt,
    retryAfterSeconds: Math.max(1, resetAt - Math.floor(nowMs / 1000)),
  };
}

/** Exact within one process; with several processes each counts alone (use Redis there). */
export function memoryRateLimitStore(options: RateLimitStoreOptions = {}): RateLimitStore {
  const now = options.now ?? Date.now;
  // Per key, the times (epoch ms, ascending) of the requests allowed within the window.
  const logs = new Map<string, number[]>();
  let calls = 0;
  return {
    kind: 'memory',
    async consume(key, limit, windowSeconds = RATE_LIMIT_WINDOW_SECONDS) {
      const nowMs = now();
      const windowMs = windowSeconds * 1000;
      const mapKey = `${windowSeconds}:${key}`;
      const log = logs.get(mapKey) ?? [];
      let expired = 0;
      while (expired < log.length && log[expired]! <= nowMs - windowMs) expired++;
      if (expired > 0) log.splice(0, expired);
      const allowed = log.length < limit;
      if (allowed) log.push(nowMs);
      if (log.length > 0) logs.set(mapKey, log);
      if (++calls % 10_000 === 0) sweep(nowMs);
      const resetMs = (log[Math.max(0, log.length - limit)] ?? nowMs) + windowMs;
      return decision(allowed, limit, log.length, Math.ceil(resetMs / 1000), nowMs);
    },
    async close() {
      logs.clear();
    },
  };

  /** Forgets keys whose every request has left its window, so idle keys do not accumulate. */
  function sweep(nowMs: number) {
    for (const [mapKey, log] of logs) {
      const windowMs = Number(mapKey.slice(0, mapKey.indexOf(':'))) * 1000;
      if (log.length === 0 || log[log.length - 1]! <= nowMs - windowMs) logs.delete(mapKey);
    }
  }
}

/**
 * The sliding window on Redis, as rate-limiter-flexible's increment script (ARGV: points to consume,
 * window in seconds, limit, window in seconds): one sorted set per key, scored by the time of each
 * allowed request on Redis's own clock (one clock for every process). Expired entries are dropped,
 * the rest counted, and the request added only when under the limit, all in one atomic script: never
 * read-then-write. Returns what the library expects, {counted, ms}: the count including this request
 * when it was allowed (limit + 1 when refused, which the library reports as a refusal), and the
 * milliseconds until Reset, already rounded to a whole second of Redis's clock so that every process
 * reports the same Reset.
 */
const SLIDING_WINDOW_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windowMs = tonumber(ARGV[2]) * 1000
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
local count = redis.call('ZCARD', KEYS[1])
local allowed = count < limit
if allowed then
  local seq = redis.call('INCR', KEYS[1] .. ':seq')
  redis.call('PEXPIRE', KEYS[1] .. ':seq', windowMs)
  redis.call('ZADD', KEYS[1], now, now .. ':' .. seq)
  count = count + 1
end
redis.call('PEXPIRE', KEYS[1], windowMs)
local first = math.max(0, count - limit)
local oldest = redis.call('ZRANGE', KEYS[1], first, first, 'WITHSCORES')
local resetMs = now + windowMs
if oldest[2] then resetMs = tonumber(oldest[2]) + windowMs end
local resetWhole = math.ceil(resetMs / 1000) * 1000
if allowed then return {count, resetWhole - now} end
return {limit + 1, resetWhole - now}
`;

/**
 * One Lua script per request on Redis (SLIDING_WINDOW_SCRIPT, run by rate-limiter-flexible), so
 * several server processes share one exact sliding window.
 *
 * When Redis is unreachable, slow (past `commandTimeoutMs`) or reconnecting, each request is counted
 * instead by an in-process insurance limiter (a fixed window), so the API keeps answering and keeps
 * limiting. During such an outage the limit holds per process, not across processes: N processes may
 * let through up to N times the limit, and the fixed window up to twice it at a window's boundary. Requests counted in memory are not added to Redis when it comes back; the
 * count Redis kept resumes. The first connection must succeed: a REDIS_URL that never answers is a
 * configuration error, reported at start-up rather than hidden behind per-process counting.
 */
export async function redisRateLimitStore(url: string, options: RedisRateLimitStoreOptions = {}): Promise<RateLimitStore> {
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

  // One limiter per (limit, window): the script reads both from the library's arguments.
  const limiters = new Map<string, RateLimiterRedis>();
  const limiterFor = (limit: number, windowSeconds: number) => {
    const id = `${limit}:${windowSeconds}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: client,
        points: limit,
        duration: windowSeconds,
        keyPrefix: `${options.namespace ?? 'greenlight'}:rl:${windowSeconds}`,
        customIncrTtlLuaScript: SLIDING_WINDOW_SCRIPT,
        rejectIfRedisNotReady: true,
        // During an outage, a fixed window per process (see above): approximate, and never unlimited.
        insuranceLimiter: new RateLimiterMemory({ points: limit, duration: windowSeconds, keyPrefix: 'greenlight:rl' }),
      });
      limiters.set(id, limiter);
    }
    return limiter;
  };
  const now = options.now ?? Date.now;
  return {
    kind: 'redis',
    async consume(key, limit, windowSeconds = RATE_LIMIT_WINDOW_SECONDS) {
      let res: RateLimiterRes;
      let allowed = true;
      try {
        res = await limiterFor(limit, windowSeconds).consume(key, 1);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        res = err;
        allowed = false;
      }
      const nowMs = now();
      // The script's Reset is a whole second of Redis's clock; rounding takes away the time the answer travelled.
      const resetAt = Math.round((nowMs + res.msBeforeNext) / 1000);
      return decision(allowed, limit, allowed ? res.consumedPoints : limit, resetAt, nowMs);
    },
    async close() {
      running = false;
      await client.quit().catch(() => client.disconnect());
    },
  };
}
