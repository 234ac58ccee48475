/**
 * The two rate-limit stores, driven directly: exact counts under concurrency, clock-aligned
 * windows, Reset/Retry-After arithmetic. The Redis cases run when GREENLIGHT_TEST_REDIS_URL is set
 * (CI sets it; the server:pglite project clears it).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  memoryRateLimitStore,
  RATE_LIMIT_WINDOW_SECONDS,
  redisRateLimitStore,
  type RateLimitStore,
  type RateLimitStoreOptions,
} from './rate-limit.ts';

const REDIS_URL = process.env.GREENLIGHT_TEST_REDIS_URL || undefined;

const kinds: { kind: RateLimitStore['kind']; available: boolean; make(o?: RateLimitStoreOptions): Promise<RateLimitStore> }[] = [
  { kind: 'memory', available: true, make: async (o) => memoryRateLimitStore(o) },
  { kind: 'redis', available: REDIS_URL !== undefined, make: (o) => redisRateLimitStore(REDIS_URL!, o) },
];

const opened: RateLimitStore[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

/** A key no earlier run (nor a parallel test file on the same Redis) has used. */
const freshKey = () => `test:${randomUUID()}`;

for (const { kind, available, make } of kinds) {
  const open = async (o?: RateLimitStoreOptions) => {
    const store = await make(o);
    opened.push(store);
    return store;
  };

  describe.runIf(available)(`${kind} rate-limit store`, () => {
    it(`reports kind "${kind}"`, async () => {
      expect((await open()).kind).toBe(kind);
    });

    it('allows exactly 50 of 200 parallel requests with a limit of 50', async () => {
      const store = await open();
      const key = freshKey();
      const decisions = await Promise.all(Array.from({ length: 200 }, () => store.consume(key, 50)));
      const allowed = decisions.filter((d) => d.allowed);
      expect(allowed).toHaveLength(50);
      // Each allowed request saw a distinct count: no two were handed the same slot.
      expect(allowed.map((d) => d.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      for (const d of decisions.filter((x) => !x.allowed)) expect(d).toMatchObject({ limit: 50, remaining: 0 });
      expect(new Set(decisions.map((d) => d.resetAt)).size).toBe(1);
    });

    it('counts down Remaining, then refuses, and keeps refusing', async () => {
      const store = await open();
      const key = freshKey();
      const seen = [];
      for (let i = 0; i < 7; i++) seen.push(await store.consume(key, 5));
      expect(seen.map((d) => [d.allowed, d.remaining])).toEqual([
        [true, 4],
        [true, 3],
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
        [false, 0],
      ]);
      expect(seen.every((d) => d.limit === 5)).toBe(true);
    });

    it('keeps separate counts per key', async () => {
      const store = await open();
      const a = freshKey();
      const b = freshKey();
      await store.consume(a, 2);
      await store.consume(a, 2);
      expect((await store.consume(a, 2)).allowed).toBe(false);
      expect(await store.consume(b, 2)).toMatchObject({ allowed: true, remaining: 1 });
    });

    it('ends windows on the clock: Reset is a window boundary and Retry-After reaches it exactly', async () => {
      const before = Date.now();
      const d = await (await open()).consume(freshKey(), 10);
      const after = Date.now();
      expect(d.resetAt % RATE_LIMIT_WINDOW_SECONDS).toBe(0);
      expect(d.resetAt).toBeGreaterThan(after / 1000);
      expect(d.resetAt).toBeLessThanOrEqual(Math.floor(after / 1000) + RATE_LIMIT_WINDOW_SECONDS);
      expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(d.retryAfterSeconds).toBeLessThanOrEqual(RATE_LIMIT_WINDOW_SECONDS);
      // The whole second the decision was made in, plus Retry-After, is Reset.
      const decidedAt = d.resetAt - d.retryAfterSeconds;
      expect(decidedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000));
      expect(decidedAt).toBeLessThanOrEqual(Math.floor(after / 1000));
    });

    it('starts a fresh count when the clock crosses into the next window', async () => {
      const windowSeconds = 60;
      // A window boundary a little in the past, so Redis key lifetimes stay positive.
      const boundary = (Math.floor(Date.now() / 60_000) - 1) * 60_000;
      let now = boundary - 1; // the last millisecond of the window before
      const store = await open({ windowSeconds, now: () => now });
      const key = freshKey();

      expect(await store.consume(key, 2)).toMatchObject({ allowed: true, remaining: 1, resetAt: boundary / 1000, retryAfterSeconds: 1 });
      expect(await store.consume(key, 2)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await store.consume(key, 2)).toMatchObject({ allowed: false, remaining: 0, resetAt: boundary / 1000, retryAfterSeconds: 1 });

      now = boundary;
      expect(await store.consume(key, 2)).toMatchObject({
        allowed: true,
        remaining: 1,
        resetAt: boundary / 1000 + windowSeconds,
        retryAfterSeconds: windowSeconds,
      });
      now = boundary + 59_999;
      expect(await store.consume(key, 2)).toMatchObject({ allowed: true, remaining: 0, retryAfterSeconds: 1 });
      expect(await store.consume(key, 2)).toMatchObject({ allowed: false });
    });

    it("applies a changed limit to the count already made in the window", async () => {
      const store = await open();
      const key = freshKey();
      for (let i = 0; i < 5; i++) await store.consume(key, 100);
      // Lowered below what was used: refused at once, not given a fresh allowance.
      expect(await store.consume(key, 3)).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
      // Raised: the six counted so far (the refused one included) stay counted.
      expect(await store.consume(key, 10)).toMatchObject({ allowed: true, limit: 10, remaining: 3 });
    });
  });
}

describe.runIf(REDIS_URL !== undefined)('redis rate-limit store across clients', () => {
  it('shares one exact count between two independent stores (as two server processes do)', async () => {
    const a = await redisRateLimitStore(REDIS_URL!);
    const b = await redisRateLimitStore(REDIS_URL!);
    opened.push(a, b);
    const key = freshKey();
    const decisions = await Promise.all(Array.from({ length: 120 }, (_, i) => (i % 2 ? a : b).consume(key, 30)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
  });

  it('gives every counter key a lifetime that ends shortly after its window', async () => {
    const store = await redisRateLimitStore(REDIS_URL!);
    opened.push(store);
    const key = freshKey();
    const d = await store.consume(key, 10);
    const redis = new Redis(REDIS_URL!);
    try {
      const window = d.resetAt / RATE_LIMIT_WINDOW_SECONDS - 1;
      const redisKey = `greenlight:rl:${RATE_LIMIT_WINDOW_SECONDS}:${key}:${window}`;
      expect(await redis.get(redisKey)).toBe('1');
      const ttlMs = await redis.pttl(redisKey);
      expect(ttlMs).toBeGreaterThan(d.retryAfterSeconds * 1000 - 2_000);
      expect(ttlMs).toBeLessThanOrEqual((d.retryAfterSeconds + 60) * 1000);
    } finally {
      redis.disconnect();
    }
  });
});
