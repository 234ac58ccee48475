/**
 * `Retry-After` read alike by the three packages that honour it, each through its own path: the
 * client's RateLimitError (a real 429 over fetch), the trigger layer's throttle error (what the n8n
 * node and the Zapier app show and wait), and the server's delivery of a callback (a real 503 from a
 * receiver, as its HTTP sender reads it). The same values, at the same instant (the clock is held,
 * timers are not), must give the same wait; what none of them can read gives each its own "unknown"
 * (no wait known; the trigger layer's default; the retry schedule), never a guess.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Greenlight, RateLimitError } from '@greenlight/client';
import { classifyError, DEFAULT_RETRY_AFTER_SECONDS } from '@greenlight/triggers';
import { httpSender } from '../apps/server/src/channels/webhook/http-sender.ts';
import { parseAllowCidrs } from '../apps/server/src/channels/webhook/ssrf.ts';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

/** What the local server answers every request with: a status and a Retry-After. */
let answer: { status: number; retryAfter: string } = { status: 429, retryAfter: '' };
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json', 'retry-after': answer.retryAfter });
    res.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'slow down', request_id: 'req_1' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => vi.useRealTimers());

/** Seconds the client would wait: the RateLimitError of a 429 carrying the value. */
async function client(value: string): Promise<number | undefined> {
  answer = { status: 429, retryAfter: value };
  const greenlight = new Greenlight({ baseUrl: url, apiKey: `gk_${'a'.repeat(64)}`, maxRetries: 0 });
  const err = await greenlight.approvals.get('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RateLimitError);
  return (err as RateLimitError).retryAfter;
}

/** Seconds the trigger layer tells the platform to wait (its default when it cannot read one). */
function triggers(value: string): number | undefined {
  return classifyError(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': value }, Date.now()).retryAfterSeconds;
}

/** Seconds the server's delivery defers the next attempt for, from a receiver's 503 (null: the schedule decides). */
async function delivery(value: string): Promise<number | null> {
  answer = { status: 503, retryAfter: value };
  const send = httpSender({ guard: { allowCidrs: parseAllowCidrs('127.0.0.1/32') }, timeoutMs: 5_000 });
  const result = await send({ url: `${url}/callback`, headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(result.statusCode).toBe(503);
  return result.retryAfterMs === null ? null : result.retryAfterMs / 1000;
}

describe('the same Retry-After, read by the client, the trigger layer and the server alike', () => {
  it.each([
    ['delay-seconds', '60', 60],
    ['zero', '0', 0],
    ['an IMF-fixdate a minute ahead', 'Mon, 23 Nov 2026 12:01:00 GMT', 60],
    ['an RFC 850 date a minute ahead', 'Monday, 23-Nov-26 12:01:00 GMT', 60],
    ['an asctime date a minute ahead', 'Mon Nov 23 12:01:00 2026', 60],
    ['a date already past', 'Mon, 23 Nov 2026 11:00:00 GMT', 0],
  ])('%s (%j): %i s', async (_case, value, seconds) => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    expect({ client: await client(value), triggers: triggers(value), delivery: await delivery(value) }).toEqual({ client: seconds, triggers: seconds, delivery: seconds });
  });

  it.each([
    ['ISO 8601, which is not an HTTP-date', '2026-11-23T12:01:00Z'],
    ['a fraction', '1.5'],
    ['a negative number', '-1'],
    ['words', 'soon'],
    ['nothing', ''],
  ])('%s (%j): unreadable to all three', async (_case, value) => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
    expect({ client: await client(value), triggers: triggers(value), delivery: await delivery(value) }).toEqual({
      client: undefined,
      triggers: DEFAULT_RETRY_AFTER_SECONDS,
      delivery: null,
    });
  });
});
