import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds at which the current window ends. */
  resetAt: number;
  retryAfterSeconds: number;
}

/** Fixed-window counter per key. Chosen at composition time: in-process, or Redis (exact across processes). */
export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  consume(key: string, limit: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

export const RATE_LIMIT_WINDOW_SECONDS = 3600;

function decide(res: RateLimiterRes, limit: number, allowed: boolean): RateLimitDecision {
  const msLeft = Math.max(0, res.msBeforeNext);
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - res.consumedPoints),
    resetAt: Math.ceil((Date.now() + msLeft) / 1000),
    retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)),
  };
}

/**
 * rate-limiter-flexible does the counting: on Redis one atomic INCR+PEXPIRE script per
 * request (never read-then-write), so several server processes share one exact count.
 * A limiter is kept per distinct limit, since each connection may have its own.
 */
function createStore(kind: 'memory' | 'redis', make: (points: number) => RateLimiterAbstract, onClose: () => Promise<void>): RateLimitStore {
  const limiters = new Map<number, RateLimiterAbstract>();
  return {
    kind,
    async consume(key, limit) {
      let limiter = limiters.get(limit);
      if (!limiter) {
        limiter = make(limit);
        limiters.set(limit, limiter);
      }
      try {
        return decide(await limiter.consume(key, 1), limit, true);
      } catch (err) {
        if (err instanceof RateLimiterRes) return decide(err, limit, false);
        throw err;
      }
    },
    close: onClose,
  };
}

export function memoryRateLimitStore(windowSeconds = RATE_LIMIT_WINDOW_SECONDS): RateLimitStore {
  return createStore(
    'memory',
    (points) => new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix: `gl:${points}` }),
    async () => {},
  );
}

export async function redisRateLimitStore(url: string, windowSeconds = RATE_LIMIT_WINDOW_SECONDS): Promise<RateLimitStore> {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  await client.connect();
  return createStore(
    'redis',
    (points) =>
      new RateLimiterRedis({
        storeClient: client,
        points,
        duration: windowSeconds,
        // The limit is part of the key so changing a connection's limit starts a fresh count.
        keyPrefix: `greenlight:rl:${windowSeconds}:${points}`,
        rejectIfRedisNotReady: true,
      }),
    async () => {
      client.disconnect();
    },
  );
}
