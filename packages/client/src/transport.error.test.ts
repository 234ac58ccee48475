import { describe, expect, it } from 'vitest';
import { Greenlight } from './client.ts';
import { NetworkError, ServerError, EmergencyStopError } from './errors.ts';
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

describe('transport refusals', () => {
  it('does not resend a decision after a network error (it may have been recorded)', async () => {
    const { fetch, calls } = scripted([new TypeError('socket hang up')]);
    const err = await client(fetch).approvals.approve(SAMPLE_PENDING_APPROVAL.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(calls).toHaveLength(1);
  });

  it('does not retry the emergency stop', async () => {
    const { fetch, calls } = scripted([{ status: 503, body: envelope('EMERGENCY_STOP', 'stopped') }]);
    const err = await client(fetch).approvals.create({ title: 't', description: 'd', priority: 'low' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmergencyStopError);
    expect(calls).toHaveLength(1);
  });

  it('gives up after maxRetries with the last error, typed', async () => {
    const { fetch, calls } = scripted([
      { status: 502, body: 'bad gateway' },
      { status: 502, body: 'bad gateway' },
      { status: 502, body: 'bad gateway' },
    ]);
    const err = await client(fetch, [], { maxRetries: 2 }).me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ status: 502, code: 'UNKNOWN' });
    expect(calls).toHaveLength(3);
  });
});
