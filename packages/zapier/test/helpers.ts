import nock from 'nock';
import zapier, { type Bundle, type ZObject } from 'zapier-platform-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { SAMPLE_PENDING_APPROVAL } from '@greenlight/triggers';
import App from '../src/index.ts';

export const BASE = 'https://greenlight.test';
export const TOKEN = 'glat_test-access-token';

process.env.GREENLIGHT_BASE_URL = BASE;
process.env.CLIENT_ID = 'glc_test';
process.env.CLIENT_SECRET = 'secret-of-the-client';

export const appTester = zapier.createAppTester(App);
export { App };

type Fn = (z: ZObject, bundle: Bundle) => unknown;
/**
 * Runs one of the app's functions by its path (`creates.add_comment.operation.perform`) the way
 * Zapier does: through the app, with its middleware. The typed definitions are unions per
 * operation type, so the path lookup keeps the tests free of casts.
 */
export function call<T = unknown>(path: string, bundle: Record<string, unknown> = {}): Promise<T> {
  const fn = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], App);
  if (typeof fn !== 'function') throw new Error(`no function at ${path}`);
  return appTester(fn as Fn, bundle as never) as Promise<T>;
}

// Importing nock turns its interception on (it patches globalThis.fetch). A file that imports these
// helpers without useNock, and every file after it in the worker (isolate: false), would then send
// real requests through nock's interceptor: the real network stays as it is until useNock asks.
if (nock.isActive()) nock.restore();

/** nock for every test file: no real network, and every mocked call must have been made. */
export function useNock() {
  // A worker runs several files (isolate: false): nock intercepts only while this file runs, and the
  // files after it in the worker get the real network (and fetch) back.
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });
}

/** The API, expecting our bearer token on every call. */
export const api = () => nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } });

export const authData = { access_token: TOKEN, refresh_token: 'glrt_test-refresh-token' };

export const approval = (overrides: Record<string, unknown> = {}) => ({ ...SAMPLE_PENDING_APPROVAL, ...overrides });

export const envelope = (code: string, message: string) => ({ error: { code, message, request_id: 'req_0123456789abcdef' } });

/**
 * How a call failed, as Zapier's runtime reads it: the app tester appends "What happened: …" to
 * the message, and `z.errors.Error` / `ThrottledError` carry JSON (`message`, `code`, `status`, `delay`).
 */
export async function failure(run: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await run;
  } catch (err) {
    const e = err as Error;
    const first = e.message.split('\n')[0]!;
    const fields = first.startsWith('{') ? (JSON.parse(first) as Record<string, unknown>) : { message: first };
    return { name: e.name, ...fields };
  }
  throw new Error('expected the call to fail');
}
