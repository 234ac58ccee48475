/**
 * nock for the n8n unit-test files: no real network, and every mocked call must have been made.
 * Its own module: importing nock changes how fetch behaves, which the files against the real
 * server must not get.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

export function useNock(): void {
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
