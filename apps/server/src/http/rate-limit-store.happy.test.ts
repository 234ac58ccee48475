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

    it('reports Reset as when the oldest counted request leaves the window, and Retry-After reaching it', async () => {
      const before = Date.now();
      const d = await (await open()).consume(freshKey(), 10);
      const after = Date.now();
      // One request counted: its slot frees one window after it was made, rounded up to a whole second.
      expect(d.resetAt).toBeGreaterThanOrEqual(Math.ceil(before / 1000) + RATE_LIMIT_WINDOW_SECONDS - 1);
      expect(d.resetAt).toBeLessThanOrEqual(Math.ceil(after / 1000) + RATE_LIMIT_WINDOW_SECONDS);
      // The whole second the decision was made in, plus Retry-After, is Reset.
      const decidedAt = d.resetAt - d.retryAfterSeconds;
      expect(decidedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000));
      expect(decidedAt).toBeLessThanOrEqual(Math.floor(after / 1000));
    });

    it('counts per minute when asked, apart from the hourly count of the same key', async () => {
      const store = await open();
      const key = freshKey();
      for (let i = 0; i < 3; i++) expect((await store.consume(key, 3, 60)).allowed).toBe(true);
      const refused = await store.consume(key, 3, 60);
      expect(refused).toMatchObject({ allowed: false, remaining: 0 });
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(61);
      expect(await store.consume(key, 3)).toMatchObject({ allowed: true, remaining: 2 });
    });

    it("applies a changed limit to the count already made in the window", async () => {
      const store = await open();
      const key = freshKey();
      for (let i = 0; i < 5; i++) await store.consume(key, 100);
      // Lowered below what was used: refused at once, not given a fresh allowance.
      expect(await store.consume(key, 3)).toMatchObject({ allowed: false, limit: 3, remaining: 0 });
      // Raised: the five allowed so far stay counted; the refused one took no slot.
      expect(await store.consume(key, 10)).toMatchObject({ allowed: true, limit: 10, remaining: 4 });
    });
  });
}

describe('memory rate-limit store on a moving clock', () => {
  it('slides: a burst at the end of one minute and another at the start of the next never pass more than the limit', async () => {
    let now = 1_800_000_000_000 + 59_000; // 59 s into a minute of the clock
    const store = memoryRateLimitStore({ now: () => now });
    const burst = async (n: number) => (await Promise.all(Array.from({ length: n }, () => store.consume('k', 5, 60)))).filter((d) => d.allowed).length;
    expect(await burst(5)).toBe(5);
    now += 1_500; // into the next minute of the clock: a fixed window would start over here
    expect(await burst(5)).toBe(0);
    const refused = await store.consume('k', 5, 60);
    // The first five leave the window 60 s after they came: 58.5 s from now, rounded up to the second.
    expect(refused).toMatchObject({ allowed: false, resetAt: Math.ceil((now - 1_500 + 60_000) / 1000), retryAfterSeconds: 59 });
    now += 58_499;
    expect(await burst(1)).toBe(0);
    now += 1;
    expect(await burst(6)).toBe(5);
  });
});

describe.runIf(REDIS_URL !== undefined)('redis rate-limit store across clients', () => {
  it('shares one exact count between two independent stores (as two server processes do)', async () => {
    const a = await redisRateLimitStore(REDIS_URL!);
    const b = await redisRateLimitStore(REDIS_URL!);
    opened.push(a, b);
    const key = freshKey();
    const decisions = await Promise.all(Array.from({ length: 120 }, (_, i) => (i % 2 ? a : b).consume(key, 30)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
  });

  it('keeps one sorted set per key, living no longer than its window', async () => {
    const store = await redisRateLimitStore(REDIS_URL!);
    opened.push(store);
    const key = freshKey();
    await store.consume(key, 10, 60);
    await store.consume(key, 10, 60);
    const redis = new Redis(REDIS_URL!);
    try {
      const redisKey = `greenlight:rl:60:${key}`;
      expect(await redis.zcard(redisKey)).toBe(2);
      const ttlMs = await redis.pttl(redisKey);
      expect(ttlMs).toBeGreaterThan(58_000);
      expect(ttlMs).toBeLessThanOrEqual(60_000);
    } finally {
      redis.disconnect();
    }
  });

  it('never lets more than the limit through in any window, a burst at its edge included (a 2 s window on the real Redis)', async () => {
    const a = await redisRateLimitStore(REDIS_URL!);
    const b = await redisRateLimitStore(REDIS_URL!);
    opened.push(a, b);
    const key = freshKey();
    const windowMs = 2_000;
    const allowedAt: number[] = [];
    // Bursts of 8 from two clients every 150 ms for 5 s: the limit of 5 is hit at each edge of every window.
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      const sent = Date.now();
      const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).consume(key, 5, windowMs / 1000)));
      for (const d of burst) if (d.allowed) allowedAt.push(sent);
      await new Promise((r) => setTimeout(r, 150));
    }
    // Some got through in every window, but never more than 5 within any 2 s (within the send latency).
    expect(allowedAt.length).toBeGreaterThanOrEqual(10);
    for (let i = 0; i + 5 < allowedAt.length; i++) expect(allowedAt[i + 5]! - allowedAt[i]!).toBeGreaterThanOrEqual(windowMs - 200);
  }, 20_000);
});
