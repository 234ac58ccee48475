import { describe, expect, it } from 'vitest';
import { Greenlight } from './client.ts';
import { parseRetryAfter } from './index.ts';
import { SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

/** A fetch that answers from a script and records every request. */
function scripted(replies: Reply[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = replies.shift();
    if (!next) throw new Error('no more replies');
    if (next instanceof Error) throw next;
    return new Response(next.body === undefined ? null : JSON.stringify(next.body), {
      status: next.status,
      headers: { 'content-type': 'application/json', ...next.headers },
    });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const envelope = (code: string, message = 'x') => ({ error: { code, message, request_id: 'req_1' } });
const client = (fetch: typeof globalThis.fetch, slept: number[] = [], extra = {}) =>
  new Greenlight({ baseUrl: 'https://gl.test/', apiKey: 'gk_k', fetch, sleep: async (ms) => void slept.push(ms), random: () => 0.5, ...extra });

describe('transport', () => {
  it('retries 5xx with growing, jittered backoff and keeps one idempotency key across attempts', async () => {
    const { fetch, calls } = scripted([
      { status: 500, body: envelope('INTERNAL_ERROR') },
      { status: 503, body: envelope('SERVICE_UNAVAILABLE') },
      { status: 201, body: { ...SAMPLE_PENDING_APPROVAL, run: null, results: [] } },
    ]);
    const slept: number[] = [];
    const created = await client(fetch, slept).approvals.create({ title: 't', description: 'd', priority: 'low' });
    expect(created.id).toBe(SAMPLE_PENDING_APPROVAL.id);
    // attempt n waits in [d/2, d) with d = 500·2ⁿ; random() = 0.5 → 3/4 of d
    expect(slept).toEqual([375, 750]);
    const keys = calls.map((c) => (c.init.headers as Record<string, string>)['idempotency-key']);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[0]!.url).toBe('https://gl.test/api/v1/approvals');
  });

  it('retries a network error of a GET, and serializes the query', async () => {
    const { fetch, calls } = scripted([new TypeError('fetch failed'), { status: 200, body: { data: [], pagination: { page: 1, page_size: 5, total: 0, total_pages: 0 }, next_page_token: null } }]);
    await client(fetch).approvals.list({ status: 'pending,approved', page_size: 5 });
    expect(calls).toHaveLength(2);
    expect(calls[1]!.url).toBe('https://gl.test/api/v1/approvals?status=pending%2Capproved&page_size=5');
  });

  it('honours Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter('Tue, 24 Mar 2026 10:01:00 GMT', Date.UTC(2026, 2, 24, 10, 0, 30))).toBe(30);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
