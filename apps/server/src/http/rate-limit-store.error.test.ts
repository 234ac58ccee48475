/**
 * The Redis store when Redis is unreachable, goes away, or hangs. The outage is made with a TCP
 * proxy in front of the test Redis, so the real server keeps running for the other test files.
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisRateLimitStore, type RateLimitStore } from './rate-limit.ts';
import { until } from '../testing/until.ts';

const REDIS_URL = process.env.GREENLIGHT_TEST_REDIS_URL || undefined;

/** Forwards 127.0.0.1:<port> to Redis; can refuse connections (down) or stop reading (hung). */
class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Redis goes away: open connections drop, new ones are refused. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Redis stops answering but keeps the connection: requests are held, in order, until resume(). */
  hang(): void {
    for (const s of this.sockets) s.pause();
  }

  resume(): void {
    for (const s of this.sockets) s.resume();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const logger = () => ({ warn: vi.fn(), info: vi.fn() });

describe('redis rate-limit store, Redis unreachable at start', () => {
  it('refuses to start, naming REDIS_URL and not echoing its password', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((r) => closed.close(() => r()));

    const log = logger();
    const err = await redisRateLimitStore(`redis://:s3cret-pw@127.0.0.1:${port}`, { logger: log }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^cannot connect to Redis \(REDIS_URL\): .*ECONNREFUSED/);
    expect(err?.message).not.toContain('s3cret-pw');
    // The throw is the report; no "counting per process" warning for a store that never ran.
    expect(log.warn).not.toHaveBeenCalled();
  });
});

describe.runIf(REDIS_URL !== undefined)('redis rate-limit store, Redis failing while running', { timeout: 30_000 }, () => {
  async function storeBehindProxy(commandTimeoutMs?: number) {
    const proxy = new RedisProxy(new URL(REDIS_URL!));
    await proxy.up();
    const log = logger();
    const store: RateLimitStore = await redisRateLimitStore(proxy.url, { logger: log, commandTimeoutMs });
    cleanups.push(async () => {
      proxy.resume();
      await store.close();
      await proxy.down();
    });
    return { proxy, store, log };
  }

  it('keeps answering and limiting from memory while Redis is down, and resumes the shared count after', async () => {
    const { proxy, store, log } = await storeBehindProxy();
    const key = `test:${randomUUID()}`;
    for (const remaining of [4, 3, 2]) expect(await store.consume(key, 5)).toMatchObject({ allowed: true, remaining });

    await proxy.down();
    await until(() => log.warn.mock.calls.length > 0, 10_000);
    expect(log.warn).toHaveBeenCalledTimes(1);
    expect(log.warn.mock.calls[0]?.[1]).toBe('Redis unavailable: rate limits are counted per process until it is back');

    // Not refused wholesale, and still limited: the in-process count starts from zero and stops at 5.
    const during = [];
    for (let i = 0; i < 6; i++) during.push(await store.consume(key, 5));
    expect(during.map((d) => [d.allowed, d.remaining])).toEqual([
      [true, 4],
      [true, 3],
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);

    await proxy.up();
    await until(() => log.info.mock.calls.length > 0, 10_000);
    expect(log.info).toHaveBeenCalledWith('Redis is back: rate limits are counted across processes again');
    // Redis kept its 3; the requests counted in memory meanwhile are not added to it.
    expect(await store.consume(key, 5)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('answers from memory within the command timeout when Redis hangs', async () => {
    const { proxy, store } = await storeBehindProxy(200);
    const key = `test:${randomUUID()}`;
    expect(await store.consume(key, 5)).toMatchObject({ allowed: true, remaining: 4 });

    proxy.hang();
    const started = Date.now();
    const during = await Promise.all([store.consume(key, 5), store.consume(key, 5)]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(during.map((d) => d.allowed)).toEqual([true, true]);
    expect(during.map((d) => d.remaining).sort()).toEqual([3, 4]);
    proxy.resume();
  });
});
